"""The HTTP/1.1 layer: a threaded server, and a request handler that routes, counts, injects
faults and answers with `Content-Length` on every response so keep-alive connections work."""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from hfjobs_spec.localhub import admin, routes
from hfjobs_spec.localhub.common import ApiError
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.wire import Request, Response, error_response

logger = logging.getLogger("hfjobs_spec.localhub")

MAX_BODY_BYTES = 16 * 1024 * 1024


class HubHTTPServer(ThreadingHTTPServer):
    """One thread per connection; remembers open connections so `stop()` can close idle keep-alives."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], ctx: HubContext) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.ctx = ctx
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, HubRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr; a client hanging up mid-request is routine here.
        logger.debug("localhub: connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Hang up on every open connection (their threads then exit)."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class HubRequestHandler(BaseHTTPRequestHandler):
    """Serves the Hub API routes and the admin routes of `server.ctx`."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; without TCP_NODELAY the body waits for the
    # client's delayed ACK (~40 ms per request on Linux).
    disable_nagle_algorithm = True
    server: HubHTTPServer

    def version_string(self) -> str:
        return "localhub/0.1"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header is on the hub clock: the client compares it with log timestamps.
        return format_datetime(self.server.ctx.clock.now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    raise _BodyError(413, "request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise _BodyError(400, "invalid Content-Length") from None
        if length < 0 or length > MAX_BODY_BYTES:
            raise _BodyError(413, "request body too large")
        return self.rfile.read(length)

    def _handle(self) -> None:
        ctx = self.server.ctx
        request_id = self.headers.get("X-Amzn-Trace-Id") or uuid.uuid4().hex
        try:
            body = self._read_body()
        except (_BodyError, ValueError) as exc:
            self.close_connection = True  # the rest of the stream cannot be trusted
            status = exc.status if isinstance(exc, _BodyError) else 400
            self._send(error_response(ApiError(status, str(exc))), request_id)
            return
        # http.server folds a leading "//" into "/"; route on the target as sent, so that a client
        # configured with a trailing slash on the endpoint gets the 404 the Hub would give it.
        target = self.requestline.split(" ")[1] if self.requestline.count(" ") >= 2 else self.path
        path, _, query = target.partition("?")
        request = Request(
            method=self.command,
            path=path,
            query=parse_qs(query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            host=self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2]),
        )
        if path.startswith(admin.PREFIX):
            self._send(self._safely(lambda: admin.dispatch(ctx, request)), request_id)
            return
        found = routes.match(self.command, path)
        ctx.counters.increment(found.key)
        decision = ctx.faults.decide(found.key)
        if decision.delay_seconds:
            time.sleep(decision.delay_seconds)
        if decision.action == "drop":
            self._drop()
            return
        if (answer := decision.answer()) is not None:  # error, rate-limit, 402, 403: nothing is done
            self._send(error_response(answer), request_id)
            return
        response = self._safely(lambda: self._dispatch(ctx, found, request))
        if decision.action == "commit-then-drop":
            self._drop()
            return
        if decision.action == "commit-then-fail":
            response = error_response(ApiError(500, "localhub: injected server error after commit"))
        self._send(response, request_id)

    @staticmethod
    def _dispatch(ctx: HubContext, found: routes.Match, request: Request) -> Response:
        if found.error is not None:
            raise found.error
        assert found.route is not None
        if found.route.auth:
            ctx.authenticate(request.headers.get("authorization"))
        request.params = found.params
        if "ns" in found.params:
            ctx.check_namespace(found.params["ns"])
        return found.route.handler(ctx, request)

    @staticmethod
    def _safely(produce: Callable[[], Response]) -> Response:
        try:
            return produce()
        except ApiError as error:
            return error_response(error)
        except Exception as exc:  # a bug: answer 500 rather than killing the connection
            logger.exception("localhub: unexpected error")
            return error_response(ApiError(500, f"localhub internal error: {type(exc).__name__}: {exc}"))

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: Response, request_id: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Request-Id", request_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if response.stream is None:
            self.wfile.write(response.body)
            return
        try:
            for chunk in itertools.chain([response.body], response.stream):
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client stopped reading (e.g. its read timeout): routine for SSE
            self.close_connection = True
