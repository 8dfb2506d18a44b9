"""Small shared pieces: the API error type and identifiers."""

from __future__ import annotations

import hashlib
import os

# Jobs per page of GET /api/jobs/{ns}. The Hub does not publish its value; before it paginated, the
# list was "capped at the last 100 Jobs" (huggingface_hub PR #4403), so 100 is the likely size.
DEFAULT_PAGE_SIZE = 100


class ApiError(Exception):
    """An HTTP error answer: `status` and a message sent as ``{"error": ...}`` and ``X-Error-Message``."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    """A 400 answer."""
    return ApiError(400, message)


def new_id(created_ms: int) -> str:
    """A 24-hex id shaped like the Hub's (ObjectId-like): 4 bytes of seconds, then 8 random bytes."""
    seconds = max(0, created_ms // 1000) & 0xFFFFFFFF
    return f"{seconds:08x}{os.urandom(8).hex()}"


def stable_id(kind: str, name: str) -> str:
    """A deterministic 24-hex id for a user or org, so owners look the same across restarts."""
    return hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:24]
