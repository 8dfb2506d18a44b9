"""The `/api/jobs/{ns}` routes: create, list, inspect, cancel, duplicate, labels, expose (SSE: streams.py)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

from hfjobs_spec.localhub.common import ApiError, bad_request
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.jobs_store import (
    JobRecord,
    cancel_job,
    get_job,
    insert_job,
    list_jobs,
    set_labels,
    set_spec,
)
from hfjobs_spec.localhub.lifecycle import ACTIVE_STAGES, validate_controls
from hfjobs_spec.localhub.render import job_json, seal_secrets
from hfjobs_spec.localhub.scheduler import make_run
from hfjobs_spec.localhub.validation import (
    require_object,
    single_field,
    validate_expose,
    validate_job_spec,
    validate_labels,
)
from hfjobs_spec.localhub.wire import Request, Response, json_response
from hfjobs_spec.stages import KNOWN_STAGES

_CURSOR = re.compile(r"(\d{1,15})\.([0-9a-f]{24})")


def _not_found(job_id: str) -> ApiError:
    return ApiError(404, f"Job {job_id} not found")


def load_job(ctx: HubContext, request: Request) -> tuple[JobRecord, int]:
    namespace, job_id = request.params["ns"], request.params["id"]
    now = ctx.now_ms()
    ctx.catch_up(namespace, now)
    with ctx.db.read() as conn:
        job = get_job(conn, namespace, job_id)
    if job is None:
        raise _not_found(job_id)
    return job, now


@contextmanager
def _job_for_update(ctx: HubContext, request: Request) -> Iterator[tuple[sqlite3.Connection, JobRecord, int]]:
    """The run named by the request, inside a write transaction (404 if it does not exist)."""
    namespace, job_id = request.params["ns"], request.params["id"]
    now = ctx.now_ms()
    ctx.catch_up(namespace, now)
    with ctx.db.write() as conn:
        job = get_job(conn, namespace, job_id)
        if job is None:
            raise _not_found(job_id)
        yield conn, job, now


def _render(ctx: HubContext, job: JobRecord, now: int) -> dict[str, Any]:
    return job_json(job, now, ctx.owner(job.namespace))


def create(ctx: HubContext, request: Request) -> Response:
    """`POST /api/jobs/{ns}`: start a run."""
    namespace = request.params["ns"]
    valid = validate_job_spec(request.json())
    validate_controls(valid.spec["environment"])
    now = ctx.now_ms()
    ctx.catch_up(namespace, now)
    job = make_run(
        namespace=namespace,
        spec=valid.spec,
        labels=valid.labels,
        secrets=seal_secrets(valid.secrets, ctx.salt),
        created_ms=now,
        initiator=ctx.user_initiator(),
        durations=ctx.durations,
    )
    with ctx.db.write() as conn:
        insert_job(conn, job)
    return json_response(_render(ctx, job, now))


def _label_filters(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or not key:
            raise bad_request(f"label filter {value!r} must be key=value")
        pairs.append((key, wanted))
    return pairs


def list_page(ctx: HubContext, request: Request) -> Response:
    """`GET /api/jobs/{ns}`: one page, newest first, with an absolute `Link` to the next one."""
    namespace = request.params["ns"]
    stages = request.query.get("stage", [])
    for stage in stages:
        if stage not in KNOWN_STAGES:
            raise bad_request(f"stage filter {stage!r} must be one of {', '.join(KNOWN_STAGES)}")
    labels = _label_filters(request.query.get("label", []))
    after: tuple[int, str] | None = None
    if (cursor := request.first("cursor")) is not None:
        found = _CURSOR.fullmatch(cursor)
        if found is None:
            raise bad_request(f"invalid cursor {cursor!r}")
        after = (int(found.group(1)), found.group(2))
    now = ctx.now_ms()
    ctx.catch_up(namespace, now)
    with ctx.db.read() as conn:
        jobs = list_jobs(
            conn, namespace, now_ms=now, stages=stages, labels=labels, after=after, limit=ctx.page_size + 1
        )
    headers = {}
    if len(jobs) > ctx.page_size:
        jobs = jobs[: ctx.page_size]
        last = jobs[-1]
        # The client follows the link verbatim and adds no parameters, so it carries the filters.
        query = [("stage", stage) for stage in stages] + [("label", f"{k}={v}") for k, v in labels]
        query.append(("cursor", f"{last.times.created_ms}.{last.id}"))
        url = f"http://{request.host}/api/jobs/{quote(namespace, safe='')}?{urlencode(query)}"
        headers["Link"] = f'<{url}>; rel="next"'
    return json_response([_render(ctx, job, now) for job in jobs], headers=headers)


def inspect(ctx: HubContext, request: Request) -> Response:
    """`GET /api/jobs/{ns}/{id}`."""
    job, now = load_job(ctx, request)
    return json_response(_render(ctx, job, now))


def cancel(ctx: HubContext, request: Request) -> Response:
    """`POST .../cancel`: only a SCHEDULING or RUNNING run can be canceled (409 otherwise).
    Answers the canceled run, as the Hub does (huggingface.js reads it; the Python client does not)."""
    with _job_for_update(ctx, request) as (conn, job, now):
        stage = job.times.stage(now)
        if stage not in ACTIVE_STAGES:
            raise ApiError(
                409, f"Job {job.id} is already {stage}; only SCHEDULING or RUNNING jobs can be canceled"
            )
        cancel_job(conn, job.id, now)
    canceled = replace(job, times=replace(job.times, canceled_ms=now))
    return json_response(_render(ctx, canceled, now))


def duplicate(ctx: HubContext, request: Request) -> Response:
    """`POST .../duplicate`: a new run with the same spec, labels and secrets."""
    original, now = load_job(ctx, request)
    job = make_run(
        namespace=original.namespace,
        spec=original.spec,
        labels=original.labels,
        secrets=original.secrets,
        created_ms=now,
        initiator={"type": "duplicated-job", "id": original.id},
        durations=ctx.durations,
    )
    with ctx.db.write() as conn:
        insert_job(conn, job)
    return json_response(_render(ctx, job, now))


def labels(ctx: HubContext, request: Request) -> Response:
    """`PUT .../labels`: replace every label."""
    new_labels = validate_labels(single_field(request.json(), "labels"))
    with _job_for_update(ctx, request) as (conn, job, now):
        set_labels(conn, job.id, new_labels)
    return json_response(_render(ctx, replace(job, labels=new_labels), now))


def expose(ctx: HubContext, request: Request) -> Response:
    """`PUT .../expose`: replace the exposed ports of an active run (409 once it has finished)."""
    ports = validate_expose(require_object(request.json(), "body"), "body")
    with _job_for_update(ctx, request) as (conn, job, now):
        stage = job.times.stage(now)
        if stage not in ACTIVE_STAGES:
            raise ApiError(409, f"Job {job.id} is {stage}; ports can only be exposed on an active job")
        spec = {**job.spec, "expose": ports if ports["ports"] else None}
        set_spec(conn, job.id, spec)
    return json_response(_render(ctx, replace(job, spec=spec), now))
