"""The state every request handler shares: configuration, database, clock, faults, counters."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from hfjobs_spec.localhub.clock import Clock
from hfjobs_spec.localhub.common import ApiError, stable_id
from hfjobs_spec.localhub.db import Database
from hfjobs_spec.localhub.faults import Counters, FaultInjector
from hfjobs_spec.localhub.lifecycle import Durations
from hfjobs_spec.localhub.scheduler import catch_up


@dataclass
class HubContext:
    """One hub's shared state. `token` None means any non-empty bearer token is the configured user."""

    db: Database
    clock: Clock
    user: str
    orgs: tuple[str, ...]
    token: str | None
    page_size: int
    durations: Durations
    faults: FaultInjector = field(default_factory=FaultInjector)
    counters: Counters = field(default_factory=Counters)
    salt: str = ""
    stopping: threading.Event = field(default_factory=threading.Event)  # set when the hub shuts down

    def __post_init__(self) -> None:
        self.salt = self.db.meta("secret_salt")

    def authenticate(self, authorization: str | None) -> str:
        """The user behind an `Authorization` header, or a 401."""
        if not authorization:
            raise ApiError(401, "Authorization header is required: send 'Authorization: Bearer <token>'")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise ApiError(401, "Invalid credentials in Authorization header")
        if self.token is not None and credential != self.token:
            raise ApiError(401, "Invalid credentials in Authorization header")
        return self.user

    def check_namespace(self, namespace: str) -> None:
        """A 403 unless `namespace` is the user or one of its orgs."""
        if namespace != self.user and namespace not in self.orgs:
            raise ApiError(
                403,
                f"You don't have access to namespace '{namespace}' "
                f"(this token can use: {', '.join((self.user, *self.orgs))})",
            )

    def owner(self, namespace: str) -> dict[str, str]:
        """The `owner` object of things in `namespace`."""
        kind = "user" if namespace == self.user else "org"
        return {"id": stable_id(kind, namespace), "name": namespace, "type": kind}

    def user_initiator(self) -> dict[str, str]:
        """The `initiator` of runs a user starts."""
        return {"type": "user", "id": stable_id("user", self.user), "name": self.user}

    def now_ms(self) -> int:
        """Hub time in milliseconds."""
        return self.clock.now_ms()

    def catch_up(self, namespace: str, now_ms: int) -> None:
        """Create the cron runs `namespace` owes up to `now_ms` (call before reading or writing it)."""
        catch_up(self.db, namespace, now_ms, self.durations)
