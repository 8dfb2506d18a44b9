"""The `/api/scheduled-jobs/{ns}` routes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from hfjobs_spec.localhub.common import ApiError, bad_request, new_id
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.cron import next_tick_ms, validate_schedule
from hfjobs_spec.localhub.jobs_store import has_active_run, insert_job
from hfjobs_spec.localhub.lifecycle import validate_controls
from hfjobs_spec.localhub.render import job_json, scheduled_json, seal_secrets
from hfjobs_spec.localhub.scheduled_store import (
    ScheduledRecord,
    delete_scheduled,
    get_scheduled,
    insert_scheduled,
    list_scheduled,
    save_scheduled,
)
from hfjobs_spec.localhub.scheduler import catch_up_record, next_due, run_of
from hfjobs_spec.localhub.validation import (
    optional_bool,
    require_object,
    single_field,
    validate_job_spec,
    validate_labels,
)
from hfjobs_spec.localhub.wire import Request, Response, empty_response, json_response

_CREATE_KEYS = frozenset({"jobSpec", "schedule", "concurrency", "suspend"})


def _not_found(scheduled_id: str) -> ApiError:
    return ApiError(404, f"Scheduled job {scheduled_id} not found")


def _render(ctx: HubContext, record: ScheduledRecord) -> dict[str, Any]:
    return scheduled_json(record, ctx.owner(record.namespace))


def create(ctx: HubContext, request: Request) -> Response:
    """`POST /api/scheduled-jobs/{ns}`."""
    namespace = request.params["ns"]
    body = require_object(request.json(), "body")
    unknown = sorted(set(body) - _CREATE_KEYS)
    if unknown:
        raise bad_request(f"body: unknown field(s) {', '.join(unknown)}")
    schedule = validate_schedule(body.get("schedule"))
    if "jobSpec" not in body:
        raise bad_request("jobSpec is required")
    valid = validate_job_spec(body["jobSpec"], scheduled=True)
    validate_controls(valid.spec["environment"])
    suspend = optional_bool(body, "suspend", False)
    concurrency = optional_bool(body, "concurrency", False)
    now = ctx.now_ms()
    record = ScheduledRecord(
        id=new_id(now),
        namespace=namespace,
        created_ms=now,
        schedule=schedule,
        suspend=suspend,
        concurrency=concurrency,
        spec=valid.spec,
        labels=valid.labels,
        secrets=seal_secrets(valid.secrets, ctx.salt),
        processed_ms=now,
        next_due_ms=None if suspend else next_tick_ms(schedule, now),
    )
    with ctx.db.write() as conn:
        insert_scheduled(conn, record)
    return json_response(_render(ctx, record))


def list_all(ctx: HubContext, request: Request) -> Response:
    """`GET /api/scheduled-jobs/{ns}`: every scheduled job, newest first, never paginated.
    `label=k=v` filters (the client sends at most one; several combine with AND)."""
    namespace = request.params["ns"]
    wanted = []
    for value in request.query.get("label", []):
        key, sep, label_value = value.partition("=")
        if not sep or not key:
            raise bad_request(f"label filter {value!r} must be key=value")
        wanted.append((key, label_value))
    now = ctx.now_ms()
    ctx.catch_up(namespace, now)
    with ctx.db.read() as conn:
        records = list_scheduled(conn, namespace)
    records = [r for r in records if all(r.labels.get(key) == value for key, value in wanted)]
    return json_response([_render(ctx, record) for record in records])


def inspect(ctx: HubContext, request: Request) -> Response:
    """`GET /api/scheduled-jobs/{ns}/{id}`."""
    namespace, scheduled_id = request.params["ns"], request.params["id"]
    now = ctx.now_ms()
    ctx.catch_up(namespace, now)
    with ctx.db.read() as conn:
        record = get_scheduled(conn, namespace, scheduled_id)
    if record is None:
        raise _not_found(scheduled_id)
    return json_response(_render(ctx, record))


Change = Callable[[sqlite3.Connection, ScheduledRecord, int], ScheduledRecord]


def _update(ctx: HubContext, request: Request, change: Change) -> ScheduledRecord:
    """Load the scheduled job under the write lock, create the cron runs it owes, then apply
    `change(conn, record, now)` and save what it returns."""
    namespace, scheduled_id = request.params["ns"], request.params["id"]
    now = ctx.now_ms()
    with ctx.db.write() as conn:
        record = get_scheduled(conn, namespace, scheduled_id)
        if record is None:
            raise _not_found(scheduled_id)
        record = catch_up_record(conn, record, now, ctx.durations)
        updated = change(conn, record, now)
        if updated != record:
            save_scheduled(conn, updated)
    return updated


def delete(ctx: HubContext, request: Request) -> Response:
    """`DELETE /api/scheduled-jobs/{ns}/{id}`. Runs already started are kept."""

    def remove(conn: sqlite3.Connection, record: ScheduledRecord, now: int) -> ScheduledRecord:
        delete_scheduled(conn, record.id)
        return record

    _update(ctx, request, remove)
    return empty_response()


def suspend(ctx: HubContext, request: Request) -> Response:
    """`POST .../suspend`: no more cron runs until resumed (idempotent)."""

    def pause(conn: sqlite3.Connection, record: ScheduledRecord, now: int) -> ScheduledRecord:
        return record.with_changes(suspend=True, processed_ms=now, next_due_ms=None)

    _update(ctx, request, pause)
    return empty_response()


def resume(ctx: HubContext, request: Request) -> Response:
    """`POST .../resume`: ticks missed while suspended are not run (idempotent)."""

    def unpause(conn: sqlite3.Connection, record: ScheduledRecord, now: int) -> ScheduledRecord:
        if not record.suspend:
            return record
        resumed = record.with_changes(suspend=False, processed_ms=now)
        return resumed.with_changes(next_due_ms=next_due(resumed, now))

    _update(ctx, request, unpause)
    return empty_response()


def reschedule(ctx: HubContext, request: Request) -> Response:
    """`POST .../schedule`: change only the schedule (spec, labels and suspend state are kept)."""
    schedule = validate_schedule(single_field(request.json(), "schedule"))

    def change(conn: sqlite3.Connection, record: ScheduledRecord, now: int) -> ScheduledRecord:
        moved = record.with_changes(schedule=schedule, processed_ms=now)
        return moved.with_changes(next_due_ms=next_due(moved, now))

    return json_response(_render(ctx, _update(ctx, request, change)))


def labels(ctx: HubContext, request: Request) -> Response:
    """`PUT .../labels`: replace every label of the job spec (future runs carry the new ones)."""
    new_labels = validate_labels(single_field(request.json(), "labels"))

    def change(conn: sqlite3.Connection, record: ScheduledRecord, now: int) -> ScheduledRecord:
        return record.with_changes(labels=new_labels)

    return json_response(_render(ctx, _update(ctx, request, change)))


def trigger(ctx: HubContext, request: Request) -> Response:
    """`POST .../run`: one run now; 409 if a run is active and concurrency is off."""
    runs = []

    def run_now(conn: sqlite3.Connection, record: ScheduledRecord, now: int) -> ScheduledRecord:
        if not record.concurrency and has_active_run(conn, record.id, now):
            raise ApiError(
                409,
                f"Scheduled job {record.id} already has an active run and does not allow "
                "concurrent runs (concurrency is false)",
            )
        run = run_of(record, now, ctx.durations)
        insert_job(conn, run)
        runs.append(run)
        return record.with_changes(last_job_id=run.id, last_job_ms=now)

    record = _update(ctx, request, run_now)
    run = runs[0]
    return json_response(job_json(run, run.times.created_ms, ctx.owner(record.namespace)))
