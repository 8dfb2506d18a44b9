"""Rows of the `jobs` table (runs) and their label index."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hfjobs_spec.localhub.lifecycle import STAGE_SQL, RunTimes


@dataclass(frozen=True)
class JobRecord:
    """One stored run. `secrets` holds sealed values (see `render.seal_secrets`), never plaintext."""

    id: str
    namespace: str
    times: RunTimes
    scheduled_job_id: str | None
    initiator: dict[str, Any]
    spec: dict[str, Any]
    labels: dict[str, str]
    secrets: dict[str, str]


_COLUMNS = (
    "id, namespace, created_ms, start_ms, end_ms, final_stage, final_message, canceled_ms, "
    "scheduled_job_id, initiator, spec, labels, secrets"
)


def _record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        id=row["id"],
        namespace=row["namespace"],
        times=RunTimes(
            row["created_ms"],
            row["start_ms"],
            row["end_ms"],
            row["final_stage"],
            row["final_message"],
            row["canceled_ms"],
        ),
        scheduled_job_id=row["scheduled_job_id"],
        initiator=json.loads(row["initiator"]),
        spec=json.loads(row["spec"]),
        labels=json.loads(row["labels"]),
        secrets=json.loads(row["secrets"]),
    )


def _write_labels(conn: sqlite3.Connection, job_id: str, labels: dict[str, str]) -> None:
    conn.execute("DELETE FROM job_labels WHERE job_id = ?", (job_id,))
    conn.executemany(
        "INSERT INTO job_labels (job_id, key, value) VALUES (?, ?, ?)",
        [(job_id, key, value) for key, value in labels.items()],
    )


def insert_job(conn: sqlite3.Connection, job: JobRecord) -> None:
    """Store a new run (inside a write transaction)."""
    t = job.times
    conn.execute(
        f"INSERT INTO jobs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job.id,
            job.namespace,
            t.created_ms,
            t.start_ms,
            t.end_ms,
            t.final_stage,
            t.final_message,
            t.canceled_ms,
            job.scheduled_job_id,
            json.dumps(job.initiator),
            json.dumps(job.spec),
            json.dumps(job.labels),
            json.dumps(job.secrets),
        ),
    )
    _write_labels(conn, job.id, job.labels)


def get_job(conn: sqlite3.Connection, namespace: str, job_id: str) -> JobRecord | None:
    """The run `job_id` if it exists in `namespace`."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM jobs WHERE id = ? AND namespace = ?", (job_id, namespace)
    ).fetchone()
    return _record(row) if row is not None else None


def list_jobs(
    conn: sqlite3.Connection,
    namespace: str,
    *,
    now_ms: int,
    stages: Sequence[str],
    labels: Sequence[tuple[str, str]],
    after: tuple[int, str] | None,
    limit: int,
) -> list[JobRecord]:
    """One page of runs, newest first (ties broken by id, descending), after the keyset cursor
    `after` = (created_ms, id) of the previous page's last item. Filters combine with AND."""
    where = ["namespace = :ns"]
    params: dict[str, Any] = {"ns": namespace, "now": now_ms, "limit": limit}
    if stages:
        names = []
        for index, stage in enumerate(stages):
            params[f"stage{index}"] = stage
            names.append(f":stage{index}")
        where.append(f"{STAGE_SQL} IN ({', '.join(names)})")
    for index, (key, value) in enumerate(labels):
        params[f"k{index}"], params[f"v{index}"] = key, value
        where.append(
            f"EXISTS (SELECT 1 FROM job_labels l WHERE l.job_id = jobs.id "
            f"AND l.key = :k{index} AND l.value = :v{index})"
        )
    if after is not None:
        params["after_ms"], params["after_id"] = after
        where.append("(created_ms < :after_ms OR (created_ms = :after_ms AND id < :after_id))")
    sql = (
        f"SELECT {_COLUMNS} FROM jobs WHERE {' AND '.join(where)} "
        "ORDER BY created_ms DESC, id DESC LIMIT :limit"
    )
    return [_record(row) for row in conn.execute(sql, params)]


def cancel_job(conn: sqlite3.Connection, job_id: str, now_ms: int) -> None:
    """Mark a run canceled at `now_ms`."""
    conn.execute("UPDATE jobs SET canceled_ms = ? WHERE id = ?", (now_ms, job_id))


def set_labels(conn: sqlite3.Connection, job_id: str, labels: dict[str, str]) -> None:
    """Replace a run's labels."""
    conn.execute("UPDATE jobs SET labels = ? WHERE id = ?", (json.dumps(labels), job_id))
    _write_labels(conn, job_id, labels)


def set_spec(conn: sqlite3.Connection, job_id: str, spec: dict[str, Any]) -> None:
    """Replace a run's stored spec (only `expose` ever changes after creation)."""
    conn.execute("UPDATE jobs SET spec = ? WHERE id = ?", (json.dumps(spec), job_id))


def has_active_run(conn: sqlite3.Connection, scheduled_job_id: str, at_ms: int) -> bool:
    """Whether a run of the scheduled job is SCHEDULING or RUNNING at `at_ms`."""
    row = conn.execute(
        "SELECT 1 FROM jobs WHERE scheduled_job_id = ? AND created_ms <= ? "
        "AND COALESCE(canceled_ms, end_ms) > ? LIMIT 1",
        (scheduled_job_id, at_ms, at_ms),
    ).fetchone()
    return row is not None
