"""The SSE routes: `GET /api/jobs/{ns}/{id}/logs` and `.../metrics`.

Logs replay the whole log so far, in a stable order, on every connection (the client resumes by
counting the events it has seen). While the run is active and the hub clock is running, the
stream then stays open and sends new lines as they appear, ending when the run does, as the Hub
does; otherwise it ends at once. A frozen clock only moves when a test moves it, so a held-open
stream would just make clients wait for their read timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from hfjobs_spec.localhub.api_jobs import load_job
from hfjobs_spec.localhub.clock import iso
from hfjobs_spec.localhub.common import ApiError, bad_request
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.hardware import BY_NAME
from hfjobs_spec.localhub.jobs_store import get_job
from hfjobs_spec.localhub.lifecycle import ACTIVE_STAGES, log_events, metric_sample
from hfjobs_spec.localhub.wire import Request, Response

SSE_TYPE = "text/event-stream; charset=utf-8"
POLL_SECONDS = 0.2
# The Hub sends a comment every ~30 s; the client's follow-mode read timeout is 120 s.
KEEP_ALIVE_SECONDS = 30.0


def _event(timestamp_ms: int, line: str) -> bytes:
    return f"data: {json.dumps({'data': line, 'timestamp': iso(timestamp_ms)})}\n\n".encode()


def _follow(ctx: HubContext, namespace: str, job_id: str, already: int) -> Iterator[bytes]:
    """New log events after the first `already`, until the run ends, the job vanishes or the hub stops."""
    quiet_since = time.monotonic()
    while not ctx.stopping.wait(POLL_SECONDS):
        now = ctx.now_ms()
        with ctx.db.read() as conn:
            job = get_job(conn, namespace, job_id)
        if job is None:
            return
        events = log_events(job.times, job.spec, job.id, now)
        for timestamp, line in events[already:]:
            yield _event(timestamp, line)
            quiet_since = time.monotonic()
        already = max(already, len(events))
        if job.times.stage(now) not in ACTIVE_STAGES:
            return
        if time.monotonic() - quiet_since >= KEEP_ALIVE_SECONDS:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()


def logs(ctx: HubContext, request: Request) -> Response:
    """`GET .../logs` (`tail=N`: start with only the last N events)."""
    tail = request.first("tail")
    if tail is not None and not tail.isdigit():
        raise bad_request("tail must be a non-negative integer")
    job, now = load_job(ctx, request)
    events = log_events(job.times, job.spec, job.id, now)
    shown = events if tail is None else events[len(events) - min(int(tail), len(events)) :]
    body = b"".join(_event(timestamp, line) for timestamp, line in shown)
    response = Response(body=body, content_type=SSE_TYPE, headers={"Cache-Control": "no-cache"})
    if job.times.stage(now) in ACTIVE_STAGES and not ctx.clock.frozen:
        response.stream = _follow(ctx, job.namespace, job.id, len(events))
    return response


def metrics(ctx: HubContext, request: Request) -> Response:
    """`GET .../metrics`: one sample while RUNNING, then the stream ends; 406 otherwise, which the
    client reads as "the job has finished"."""
    job, now = load_job(ctx, request)
    stage = job.times.stage(now)
    if stage != "RUNNING":
        raise ApiError(406, f"Job {job.id} is {stage}: metrics are only available while it runs")
    hw = BY_NAME[job.spec["flavor"]]
    sample = metric_sample(hw.ram_gb, hw.gpu_count, hw.vram_gb, job.id)
    body = f"event: metric\ndata: {json.dumps(sample)}\n\n".encode()
    return Response(body=body, content_type=SSE_TYPE, headers={"Cache-Control": "no-cache"})
