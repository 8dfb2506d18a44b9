"""Creating runs, and turning due cron ticks into runs.

Nothing ticks in the background: before a request reads or changes a namespace, `catch_up`
creates the runs whose cron ticks have passed on the hub clock since the last look. Each run
is dated at its tick, not at the request, so its lifecycle is exactly what it would have been
had the hub been watching in real time.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from hfjobs_spec.localhub.common import new_id
from hfjobs_spec.localhub.cron import next_tick_ms, ticks_between_ms
from hfjobs_spec.localhub.db import Database
from hfjobs_spec.localhub.jobs_store import JobRecord, has_active_run, insert_job
from hfjobs_spec.localhub.lifecycle import Durations, RunTimes, plan_run
from hfjobs_spec.localhub.scheduled_store import ScheduledRecord, any_due, list_due, save_scheduled

# A clock jump over many ticks creates at most this many runs per scheduled job; older missed
# ticks are skipped, the way a cron with a starting deadline drops them.
MAX_CATCH_UP_RUNS = 1000


def make_run(
    *,
    namespace: str,
    spec: dict[str, Any],
    labels: dict[str, str],
    secrets: dict[str, str],
    created_ms: int,
    initiator: dict[str, Any],
    durations: Durations,
    scheduled_job_id: str | None = None,
) -> JobRecord:
    """A new run of `spec`, planned from its environment (see `lifecycle.plan_run`)."""
    plan = plan_run(
        spec["environment"],
        attempts=spec["attempts"],
        timeout_seconds=spec["timeoutSeconds"],
        created_ms=created_ms,
        durations=durations,
    )
    times = RunTimes(created_ms, plan.start_ms, plan.end_ms, plan.final_stage, plan.final_message, None)
    return JobRecord(
        id=new_id(created_ms),
        namespace=namespace,
        times=times,
        scheduled_job_id=scheduled_job_id,
        initiator=initiator,
        spec=dict(spec),
        labels=dict(labels),
        secrets=dict(secrets),
    )


def run_of(record: ScheduledRecord, created_ms: int, durations: Durations) -> JobRecord:
    """A run of a scheduled job: its spec and labels, initiated by it."""
    return make_run(
        namespace=record.namespace,
        spec=record.spec,
        labels=record.labels,
        secrets=record.secrets,
        created_ms=created_ms,
        initiator={"type": "scheduled-job", "id": record.id},
        durations=durations,
        scheduled_job_id=record.id,
    )


def next_due(record: ScheduledRecord, after_ms: int) -> int | None:
    """The next tick after `after_ms`, or None while suspended."""
    return None if record.suspend else next_tick_ms(record.schedule, after_ms)


def catch_up_record(
    conn: sqlite3.Connection, record: ScheduledRecord, now_ms: int, durations: Durations
) -> ScheduledRecord:
    """Create the runs `record` owes up to `now_ms` and return it updated (and saved)."""
    if record.suspend or record.next_due_ms is None or record.next_due_ms > now_ms:
        return record
    last: tuple[str, int] | None = None
    for tick in ticks_between_ms(record.schedule, record.processed_ms, now_ms, MAX_CATCH_UP_RUNS):
        # A non-concurrent scheduled job skips a tick while its previous run is still active.
        if not record.concurrency and has_active_run(conn, record.id, tick):
            continue
        run = run_of(record, tick, durations)
        insert_job(conn, run)
        last = (run.id, tick)
    updated = record.with_changes(processed_ms=now_ms, next_due_ms=next_due(record, now_ms))
    if last is not None:
        updated = updated.with_changes(last_job_id=last[0], last_job_ms=last[1])
    save_scheduled(conn, updated)
    return updated


def catch_up(db: Database, namespace: str, now_ms: int, durations: Durations) -> None:
    """Bring every scheduled job of `namespace` up to `now_ms`."""
    with db.read() as conn:
        if not any_due(conn, namespace, now_ms):
            return
    with db.write() as conn:
        # Re-read under the write lock: another thread or process may have caught up meanwhile.
        for record in list_due(conn, namespace, now_ms):
            catch_up_record(conn, record, now_ms, durations)
