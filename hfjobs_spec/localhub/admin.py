"""The admin routes under `/_localhub/`: faults, counters and the clock, over HTTP.

They let a test drive a localhub running in another process. They need no token, are never
counted and never faulted, and live outside `/api/` so nothing can mistake them for the Hub's.
"""

from __future__ import annotations

from hfjobs_spec.localhub.api_webhooks import fire as fire_webhook
from hfjobs_spec.localhub.clock import iso as iso_ms
from hfjobs_spec.localhub.clock import parse_iso
from hfjobs_spec.localhub.common import ApiError, bad_request
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.validation import require_object
from hfjobs_spec.localhub.wire import Request, Response, json_response

PREFIX = "/_localhub/"


def _clock_state(ctx: HubContext) -> Response:
    return json_response({"now": iso_ms(ctx.now_ms()), "frozen": ctx.clock.frozen})


def _set_clock(ctx: HubContext, request: Request) -> Response:
    body = require_object(request.json(), "body")
    if set(body) == {"advance"}:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise bad_request("advance must be a number of seconds")
        ctx.clock.advance(float(seconds))
    elif set(body) == {"now"}:
        if not isinstance(body["now"], str):
            raise bad_request("now must be an ISO-8601 string")
        try:
            ctx.clock.set(parse_iso(body["now"]))
        except ValueError as exc:
            raise bad_request(f"now: {exc}") from None
    else:
        raise bad_request('send {"advance": seconds} or {"now": "2026-01-01T00:00:00Z"}')
    return _clock_state(ctx)


def _set_faults(ctx: HubContext, request: Request) -> Response:
    try:
        ctx.faults.load(require_object(request.json(), "body"))
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return json_response(ctx.faults.snapshot())


def dispatch(ctx: HubContext, request: Request) -> Response:
    """Answer one admin request (`request.path` is the full `/_localhub/...` path)."""
    name = request.path[len(PREFIX) :]
    method = request.method
    if name == "health" and method == "GET":
        return json_response(
            {"ok": True, "user": ctx.user, "orgs": list(ctx.orgs), "now": iso_ms(ctx.now_ms())}
        )
    if name == "faults" and method == "GET":
        return json_response(ctx.faults.snapshot())
    if name == "faults" and method == "POST":
        return _set_faults(ctx, request)
    if name == "faults" and method == "DELETE":
        ctx.faults.clear()
        return json_response(ctx.faults.snapshot())
    if name == "counters" and method == "GET":
        return json_response(ctx.counters.snapshot())
    if name == "counters/reset" and method == "POST":
        before = ctx.counters.snapshot()
        ctx.counters.reset()
        return json_response(before)
    if name == "clock" and method == "GET":
        return _clock_state(ctx)
    if name == "clock" and method == "POST":
        return _set_clock(ctx, request)
    if name.startswith("webhooks/") and name.endswith("/fire") and name.count("/") == 2 and method == "POST":
        return fire_webhook(ctx, name.split("/")[1], request.json() if request.body else None)
    raise ApiError(404, f"no such admin route: {method} {request.path}")
