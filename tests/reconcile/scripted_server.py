"""A real HTTP server on loopback that answers from a script and records every request it gets.

For the answers localhub never gives on purpose (redirects elsewhere, arbitrary headers).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class ScriptedServer:
    """`answer(request)` decides each reply; `seen` lists what arrived."""

    answer: Callable[[Seen], Answer]
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


@contextmanager
def scripted_server(answer: Callable[[Seen], Answer]) -> Iterator[ScriptedServer]:
    server = ScriptedServer(answer)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(self.command, self.path, self.rfile.read(length) if length else b"",
                        {k.lower(): v for k, v in self.headers.items()})
            server.seen.append(seen)
            reply = server.answer(seen)
            payload = b"" if reply.body is None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
