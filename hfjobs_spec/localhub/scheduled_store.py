"""Rows of the `scheduled_jobs` table."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ScheduledRecord:
    """One stored scheduled job. `secrets` holds sealed values (see `render.seal_secrets`), never plaintext."""

    id: str
    namespace: str
    created_ms: int
    schedule: str
    suspend: bool
    concurrency: bool
    spec: dict[str, Any]
    labels: dict[str, str]
    secrets: dict[str, str]
    processed_ms: int
    next_due_ms: int | None
    last_job_id: str | None = None
    last_job_ms: int | None = None

    def with_changes(self, **changes: Any) -> ScheduledRecord:
        """A copy with some fields replaced."""
        return replace(self, **changes)


_COLUMNS = (
    "id, namespace, created_ms, schedule, suspend, concurrency, spec, labels, secrets, "
    "processed_ms, next_due_ms, last_job_id, last_job_ms"
)


def _record(row: sqlite3.Row) -> ScheduledRecord:
    return ScheduledRecord(
        id=row["id"],
        namespace=row["namespace"],
        created_ms=row["created_ms"],
        schedule=row["schedule"],
        suspend=bool(row["suspend"]),
        concurrency=bool(row["concurrency"]),
        spec=json.loads(row["spec"]),
        labels=json.loads(row["labels"]),
        secrets=json.loads(row["secrets"]),
        processed_ms=row["processed_ms"],
        next_due_ms=row["next_due_ms"],
        last_job_id=row["last_job_id"],
        last_job_ms=row["last_job_ms"],
    )


def _values(record: ScheduledRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.namespace,
        record.created_ms,
        record.schedule,
        int(record.suspend),
        int(record.concurrency),
        json.dumps(record.spec),
        json.dumps(record.labels),
        json.dumps(record.secrets),
        record.processed_ms,
        record.next_due_ms,
        record.last_job_id,
        record.last_job_ms,
    )


def insert_scheduled(conn: sqlite3.Connection, record: ScheduledRecord) -> None:
    """Store a new scheduled job."""
    conn.execute(f"INSERT INTO scheduled_jobs ({_COLUMNS}) VALUES ({', '.join('?' * 13)})", _values(record))


def save_scheduled(conn: sqlite3.Connection, record: ScheduledRecord) -> None:
    """Overwrite an existing scheduled job with `record`."""
    assignments = ", ".join(f"{name} = ?" for name in _COLUMNS.split(", ")[1:])
    conn.execute(f"UPDATE scheduled_jobs SET {assignments} WHERE id = ?", (*_values(record)[1:], record.id))


def get_scheduled(conn: sqlite3.Connection, namespace: str, scheduled_id: str) -> ScheduledRecord | None:
    """The scheduled job if it exists in `namespace`."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM scheduled_jobs WHERE id = ? AND namespace = ?", (scheduled_id, namespace)
    ).fetchone()
    return _record(row) if row is not None else None


def list_scheduled(conn: sqlite3.Connection, namespace: str) -> list[ScheduledRecord]:
    """Every scheduled job of `namespace`, newest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM scheduled_jobs WHERE namespace = ? ORDER BY created_ms DESC, id DESC",
        (namespace,),
    )
    return [_record(row) for row in rows]


def list_due(conn: sqlite3.Connection, namespace: str, now_ms: int) -> list[ScheduledRecord]:
    """Scheduled jobs of `namespace` with a cron tick at or before `now_ms` not yet handled."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM scheduled_jobs WHERE namespace = ? AND next_due_ms <= ? "
        "ORDER BY created_ms, id",
        (namespace, now_ms),
    )
    return [_record(row) for row in rows]


def any_due(conn: sqlite3.Connection, namespace: str, now_ms: int) -> bool:
    """Cheap check for `list_due`, so most requests never take the write lock."""
    row = conn.execute(
        "SELECT 1 FROM scheduled_jobs WHERE namespace = ? AND next_due_ms <= ? LIMIT 1", (namespace, now_ms)
    ).fetchone()
    return row is not None


def delete_scheduled(conn: sqlite3.Connection, scheduled_id: str) -> None:
    """Remove a scheduled job. Its past runs stay, as on the Hub."""
    conn.execute("DELETE FROM scheduled_jobs WHERE id = ?", (scheduled_id,))
