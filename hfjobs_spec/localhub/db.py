"""SQLite storage: schema, a small connection pool, and read/write transactions.

WAL mode lets readers proceed while one writer commits; writers take the lock up front
(`BEGIN IMMEDIATE`) so two threads or two processes sharing the file never interleave a
read-modify-write. Times are integer milliseconds since the epoch; specs are JSON text.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_SECONDS = 15.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    final_stage TEXT NOT NULL,
    final_message TEXT,
    canceled_ms INTEGER,
    scheduled_job_id TEXT,
    initiator TEXT NOT NULL,
    spec TEXT NOT NULL,
    labels TEXT NOT NULL,
    secrets TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_namespace ON jobs (namespace, created_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_by_scheduled ON jobs (scheduled_job_id, created_ms DESC);
CREATE TABLE IF NOT EXISTS job_labels (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (job_id, key)
);
CREATE INDEX IF NOT EXISTS job_labels_by_pair ON job_labels (key, value, job_id);
CREATE TABLE IF NOT EXISTS scheduled_jobs (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    schedule TEXT NOT NULL,
    suspend INTEGER NOT NULL,
    concurrency INTEGER NOT NULL,
    spec TEXT NOT NULL,
    labels TEXT NOT NULL,
    secrets TEXT NOT NULL,
    processed_ms INTEGER NOT NULL,
    next_due_ms INTEGER,
    last_job_id TEXT,
    last_job_ms INTEGER
);
CREATE INDEX IF NOT EXISTS scheduled_by_namespace ON scheduled_jobs (namespace, created_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS scheduled_by_due ON scheduled_jobs (namespace, next_due_ms);
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    url TEXT,
    job_source_id TEXT,
    job_spec TEXT,
    watched TEXT NOT NULL,
    domains TEXT NOT NULL,
    secret TEXT,
    secrets TEXT NOT NULL,
    disabled INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_by_owner ON webhooks (owner, created_ms, id);
"""
# processed_ms: cron ticks at or before this instant have been turned into runs (or skipped).
# next_due_ms: the first tick after processed_ms; NULL while suspended. Lets a request find the
# scheduled jobs that owe runs with one indexed lookup.


class SchemaMismatchError(RuntimeError):
    """The database file was written by an incompatible localhub version."""


class Database:
    """A pool of connections to one SQLite file, safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._init_schema()

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are opened explicitly by read() and write().
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _init_schema(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            # journal_mode is persistent in the file; switching needs a moment without other writers,
            # which the busy timeout provides when several processes open the file at once.
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret_salt', ?)", (os.urandom(16).hex(),)
            )
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()
            raise
        if version != SCHEMA_VERSION:
            conn.close()
            raise SchemaMismatchError(
                f"{self.path} has localhub schema {version}, this version needs {SCHEMA_VERSION}"
            )
        self._release(conn)

    def meta(self, key: str) -> str:
        """A value from the meta table (e.g. the per-database secret salt)."""
        with self.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return str(row[0])

    def _acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise RuntimeError("database is closed")
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _release(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        # A connection still in use when close() ran is closed by its last user, here.
        conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a read transaction (one consistent snapshot)."""
        conn = self._acquire()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        finally:
            self._release(conn)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a write transaction, committed on success, rolled back on error."""
        conn = self._acquire()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._release(conn)

    def close(self) -> None:
        """Close idle connections now and busy ones when released; later use raises."""
        with self._lock:
            self._closed = True
            conns, self._idle = self._idle, []
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
