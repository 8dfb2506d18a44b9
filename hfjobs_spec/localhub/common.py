"""Small shared pieces: the API error type and identifiers."""

from __future__ import annotations

import hashlib
import os

DEFAULT_PAGE_SIZE = 50  # jobs per page of GET /api/jobs/{ns}; the Hub's own value is not documented


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
