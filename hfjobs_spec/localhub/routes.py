"""The route table: method + path template → handler, and matching a request against it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from hfjobs_spec.localhub import api_jobs, api_misc, api_scheduled, api_webhooks, streams
from hfjobs_spec.localhub.common import ApiError
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.wire import Request, Response

Handler = Callable[[HubContext, Request], Response]

UNMATCHED = "<unmatched>"


@dataclass(frozen=True)
class Route:
    """`template` uses `{name}` for one path segment. `auth` routes need a bearer token."""

    method: str
    template: str
    handler: Handler
    auth: bool = True
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def key(self) -> str:
        """The name used by counters and fault rules, e.g. ``"GET /api/jobs/{ns}/{id}"``."""
        return f"{self.method} {self.template}"


_JOB = "/api/jobs/{ns}/{id}"
_SCHEDULED = "/api/scheduled-jobs/{ns}/{id}"
_BUCKET = "/api/buckets/{ns}/jobs-artifacts"
_WEBHOOKS = "/api/settings/webhooks"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/whoami-v2", api_misc.whoami),
    Route("GET", "/api/agent-harnesses", api_misc.agent_harnesses, auth=False),
    Route("GET", "/api/jobs/hardware", api_misc.hardware),
    Route("POST", "/api/jobs/{ns}", api_jobs.create),
    Route("GET", "/api/jobs/{ns}", api_jobs.list_page),
    Route("GET", _JOB, api_jobs.inspect),
    Route("POST", f"{_JOB}/cancel", api_jobs.cancel),
    Route("POST", f"{_JOB}/duplicate", api_jobs.duplicate),
    Route("PUT", f"{_JOB}/labels", api_jobs.labels),
    Route("PUT", f"{_JOB}/expose", api_jobs.expose),
    Route("GET", f"{_JOB}/logs", streams.logs),
    Route("GET", f"{_JOB}/metrics", streams.metrics),
    Route("POST", "/api/scheduled-jobs/{ns}", api_scheduled.create),
    Route("GET", "/api/scheduled-jobs/{ns}", api_scheduled.list_all),
    Route("GET", _SCHEDULED, api_scheduled.inspect),
    Route("DELETE", _SCHEDULED, api_scheduled.delete),
    Route("POST", f"{_SCHEDULED}/suspend", api_scheduled.suspend),
    Route("POST", f"{_SCHEDULED}/resume", api_scheduled.resume),
    Route("POST", f"{_SCHEDULED}/schedule", api_scheduled.reschedule),
    Route("PUT", f"{_SCHEDULED}/labels", api_scheduled.labels),
    Route("POST", f"{_SCHEDULED}/run", api_scheduled.trigger),
    Route("GET", _WEBHOOKS, api_webhooks.list_all),
    Route("POST", _WEBHOOKS, api_webhooks.create),
    Route("GET", f"{_WEBHOOKS}/{{id}}", api_webhooks.inspect),
    Route("POST", f"{_WEBHOOKS}/{{id}}", api_webhooks.update),
    Route("DELETE", f"{_WEBHOOKS}/{{id}}", api_webhooks.delete),
    Route("POST", f"{_WEBHOOKS}/{{id}}/enable", api_webhooks.enable),
    Route("POST", f"{_WEBHOOKS}/{{id}}/disable", api_webhooks.disable),
    Route("POST", _BUCKET, api_misc.not_implemented, auth=False),
    Route("GET", f"{_BUCKET}/xet-write-token", api_misc.not_implemented, auth=False),
    Route("POST", f"{_BUCKET}/batch", api_misc.not_implemented, auth=False),
)


@dataclass(frozen=True)
class Match:
    """The outcome of routing: a route and its parameters, or the error to answer with."""

    key: str
    route: Route | None
    params: dict[str, str]
    error: ApiError | None = None


def match(method: str, path: str) -> Match:
    """Find the route for `method` `path` (`path` without the query string)."""
    allowed: list[str] = []
    for route in ROUTES:
        found = route.pattern.fullmatch(path)
        if found is None:
            continue
        if route.method != method:
            allowed.append(route.method)
            continue
        return Match(route.key, route, {name: unquote(value) for name, value in found.groupdict().items()})
    if allowed:
        error = ApiError(
            405, f"method {method} is not allowed on {path}", headers={"Allow": ", ".join(allowed)}
        )
        return Match(f"{method} {UNMATCHED}", None, {}, error)
    if path.startswith("/api/buckets/"):
        return Match(f"{method} /api/buckets/*", None, {}, ApiError(501, api_misc.NOT_IMPLEMENTED_MESSAGE))
    hint = " (the endpoint URL must not end with '/')" if path.startswith("//") else ""
    return Match(f"{method} {UNMATCHED}", None, {}, ApiError(404, f"no such route: {method} {path}{hint}"))
