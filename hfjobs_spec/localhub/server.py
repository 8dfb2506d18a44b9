"""`LocalHub`: a localhub server you start, use and stop from Python (tests, `--local`, `serve`)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from hfjobs_spec.localhub.clock import Clock
from hfjobs_spec.localhub.common import DEFAULT_PAGE_SIZE
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.db import Database
from hfjobs_spec.localhub.faults import FaultInjector, FaultRule
from hfjobs_spec.localhub.handler import HubHTTPServer
from hfjobs_spec.localhub.lifecycle import Durations

PROJECT_STATE_DIR = ".hfjobs"
PROJECT_DB_NAME = "localhub.sqlite3"

_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


class LocalHub:
    """A local stand-in for the Hub Jobs API, served over HTTP on loopback.

    `db_path` None means a private temporary database, deleted by `stop()`. With `token` set only
    that bearer token is accepted; otherwise any non-empty token acts as `user`. Namespaces are
    `user` and `orgs`. `clock` defaults to real time (it can still be moved); pass
    `Clock.frozen_at(...)` for tests. `scheduling_seconds` and `run_seconds` are the default
    durations of a run's SCHEDULING and RUNNING stages (jobs may override them, see lifecycle).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        user: str = "alice",
        orgs: Sequence[str] = (),
        token: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        clock: Clock | None = None,
        scheduling_seconds: float = Durations.scheduling_seconds,
        run_seconds: float = Durations.run_seconds,
        faults: Iterable[FaultRule | Mapping[str, Any]] = (),
        fault_seed: int = 0,
    ) -> None:
        for name in (user, *orgs):
            if not _NAMESPACE.fullmatch(name):
                raise ValueError(f"invalid user or org name {name!r}")
        if user in orgs:
            raise ValueError(f"{user!r} cannot be both the user and an org")
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if token is not None and not token.strip():
            raise ValueError("token must be non-empty when given")
        if scheduling_seconds < 0 or run_seconds < 0:
            raise ValueError("durations must be >= 0")
        self._db_path = Path(db_path) if db_path is not None else None
        self._host = host
        self._port = port
        self._user = user
        self._orgs = tuple(orgs)
        self._token = token
        self._page_size = page_size
        self._clock = clock if clock is not None else Clock()
        self._durations = Durations(scheduling_seconds, run_seconds)
        self._faults = FaultInjector(faults, seed=fault_seed)
        self._ctx: HubContext | None = None
        self._server: HubHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: str | None = None

    @classmethod
    def for_project(cls, project_root: str | os.PathLike[str], **kwargs: Any) -> LocalHub:
        """A hub whose state lives in `<project_root>/.hfjobs/` (created, and git-ignored by a
        `.gitignore` inside it), for `hfjobs-spec --local`. Other arguments as for `LocalHub`."""
        state = Path(project_root) / PROJECT_STATE_DIR
        state.mkdir(parents=True, exist_ok=True)
        ignore = state / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# localhub state, written by hfjobs-spec --local\n*\n")
        return cls(state / PROJECT_DB_NAME, **kwargs)

    # Lifecycle -----------------------------------------------------------------------------------

    def start(self) -> LocalHub:
        """Open the database and serve in a daemon thread; returns once the socket is listening."""
        if self._server is not None:
            raise RuntimeError("this LocalHub is already started")
        if self._db_path is None:
            self._tempdir = tempfile.mkdtemp(prefix="localhub-")
            path = Path(self._tempdir) / PROJECT_DB_NAME
        else:
            path = self._db_path
        db = Database(path)
        try:
            self._ctx = HubContext(
                db=db,
                clock=self._clock,
                user=self._user,
                orgs=self._orgs,
                token=self._token,
                page_size=self._page_size,
                durations=self._durations,
                faults=self._faults,
            )
            self._server = HubHTTPServer((self._host, self._port), self._ctx)
        except BaseException:
            db.close()
            self._cleanup_tempdir()
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"localhub-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, hang up open connections, close the database. Idempotent."""
        server, self._server = self._server, None
        if self._ctx is not None:
            self._ctx.stopping.set()
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._ctx is not None:
            self._ctx.db.close()
            self._ctx = None
        self._cleanup_tempdir()

    def _cleanup_tempdir(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self) -> LocalHub:
        return self if self._server is not None else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # Introspection -------------------------------------------------------------------------------

    def _running(self) -> HubHTTPServer:
        if self._server is None:
            raise RuntimeError("this LocalHub is not started")
        return self._server

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self._running().server_address[1])

    @property
    def url(self) -> str:
        """The base URL to use as the Hub endpoint, e.g. ``http://127.0.0.1:8123`` (no trailing slash)."""
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self.port}"

    @property
    def clock(self) -> Clock:
        """The hub clock: `now()`, `set(datetime)`, `advance(seconds)`."""
        return self._clock

    @property
    def faults(self) -> FaultInjector:
        """The fault rules (`add`, `configure`, `clear`, `snapshot`), shared with `/_localhub/faults`."""
        return self._faults

    @property
    def db_path(self) -> Path:
        """The SQLite file in use (a temporary one if none was given)."""
        if self._ctx is not None:
            return self._ctx.db.path
        if self._db_path is None:
            raise RuntimeError("a temporary database exists only while the hub is started")
        return self._db_path

    @property
    def user(self) -> str:
        """The user every accepted token stands for."""
        return self._user

    @property
    def orgs(self) -> tuple[str, ...]:
        """The user's orgs (the other namespaces it may use)."""
        return self._orgs

    @property
    def token(self) -> str | None:
        """The only accepted token, or None when any non-empty token is accepted."""
        return self._token

    def counters(self) -> dict[str, int]:
        """Requests received per route key, e.g. ``{"POST /api/jobs/{ns}": 2}`` (admin routes excluded)."""
        if self._ctx is None:
            return {}
        return self._ctx.counters.snapshot()

    def reset_counters(self) -> None:
        """Forget every count."""
        if self._ctx is not None:
            self._ctx.counters.reset()
