"""Transport-neutral request and response values passed between the HTTP handler and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hfjobs_spec.localhub.common import ApiError, bad_request


@dataclass
class Request:
    """One parsed HTTP request. Header names are lower-cased; `params` holds the path parameters
    of the matched route."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    host: str
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON, or a 400."""
        if not self.body:
            raise bad_request("a JSON body is required")
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad_request(f"the body is not valid JSON: {exc}") from None

    def first(self, name: str) -> str | None:
        """The first value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    """One HTTP answer, sent with `Content-Length`; or, when `stream` is set, `body` followed by
    the stream's chunks with chunked transfer encoding (live SSE only)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer."""
    return Response(status=status, body=dumps(value), headers=dict(headers or {}))


def empty_response(status: int = 200) -> Response:
    """A bodiless answer (scheduled-job delete, suspend, resume: the client never reads the body)."""
    return Response(status=status, body=b"", content_type="text/plain; charset=utf-8")


def header_safe(text: str) -> str:
    """`text` squeezed onto one Latin-1 line, so it can travel in a header."""
    flat = " ".join(text.split())
    return flat.encode("latin-1", "replace").decode("latin-1")


def error_response(error: ApiError) -> Response:
    """The Hub's error convention: ``{"error": msg}`` plus ``X-Error-Message``."""
    headers = {"X-Error-Message": header_safe(error.message), **error.headers}
    return json_response({"error": error.message}, status=error.status, headers=headers)
