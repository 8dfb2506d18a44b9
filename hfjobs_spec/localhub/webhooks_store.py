"""Rows of the `webhooks` table: a user's webhooks, each calling a URL or re-running a job's spec."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WebhookRecord:
    """One stored webhook. `job_spec` is the source run's spec and labels, copied when the webhook was
    pointed at it (the Hub keeps the copy, not a link). `secrets` holds sealed values, never plaintext;
    `secret` is the payload-signing secret, which the Hub shows back to its owner."""

    id: str
    owner: str
    created_ms: int
    url: str | None
    job_source_id: str | None
    job_spec: dict[str, Any] | None
    watched: list[dict[str, str]]
    domains: list[str]
    secret: str | None
    secrets: dict[str, str]
    disabled: bool


_COLUMNS = "id, owner, created_ms, url, job_source_id, job_spec, watched, domains, secret, secrets, disabled"


def _record(row: sqlite3.Row) -> WebhookRecord:
    return WebhookRecord(
        id=row["id"], owner=row["owner"], created_ms=row["created_ms"], url=row["url"],
        job_source_id=row["job_source_id"], job_spec=json.loads(row["job_spec"]) if row["job_spec"] else None,
        watched=json.loads(row["watched"]), domains=json.loads(row["domains"]), secret=row["secret"],
        secrets=json.loads(row["secrets"]), disabled=bool(row["disabled"]),
    )


def save_webhook(conn: sqlite3.Connection, hook: WebhookRecord) -> None:
    """Insert or replace `hook` whole (inside a write transaction)."""
    conn.execute(
        f"INSERT OR REPLACE INTO webhooks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (hook.id, hook.owner, hook.created_ms, hook.url, hook.job_source_id,
         json.dumps(hook.job_spec) if hook.job_spec is not None else None, json.dumps(hook.watched),
         json.dumps(hook.domains), hook.secret, json.dumps(hook.secrets), int(hook.disabled)),
    )


def get_webhook(conn: sqlite3.Connection, owner: str, webhook_id: str) -> WebhookRecord | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM webhooks WHERE id = ? AND owner = ?", (webhook_id, owner)).fetchone()
    return _record(row) if row is not None else None


def list_webhooks(conn: sqlite3.Connection, owner: str) -> list[WebhookRecord]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM webhooks WHERE owner = ? ORDER BY created_ms, id", (owner,))
    return [_record(row) for row in rows]


def delete_webhook(conn: sqlite3.Connection, owner: str, webhook_id: str) -> bool:
    return conn.execute("DELETE FROM webhooks WHERE id = ? AND owner = ?", (webhook_id, owner)).rowcount > 0
