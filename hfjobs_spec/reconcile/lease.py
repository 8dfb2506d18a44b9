"""A lease on the Hub itself, so that two applies of one project and environment never overlap.

There is no state file, so the lock is a Hub object: a suspended scheduled job (it never runs and
costs nothing) whose labels say whose lock it is, who holds it and until when. To take the lease,
an apply creates its own lock and then lists them all: the oldest unexpired lock wins. A loser
deletes its own and tries again until its timeout. Both sides see the same list, so exactly one
wins. Expired locks (a holder that died) are deleted by whoever finds them. The holder renews its
expiry while it works. A lock has no manifest name, so plan, status and pruning never see it.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HfJobsSpecError, HubNotFoundError, LockHeldError, PlanError
from hfjobs_spec.hub.model import JobRequest, LiveScheduledJob
from hfjobs_spec.hub.port import HubBackend

LOCK_IMAGE = "busybox"
LOCK_SCHEDULE = "0 0 1 1 *"  # never fires: the lock is suspended from birth
DEFAULT_TTL = 300.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def label_safe(text: str, limit: int = L.LABEL_MAX_LENGTH) -> str:
    return _UNSAFE.sub("-", text).strip("-")[:limit] or "unknown"


def default_holder() -> str:
    """Who is applying, as a label value: user, host and process (and the CI run, when there is one)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = "someone"
    parts = [user, socket.gethostname(), f"pid{os.getpid()}"]
    if os.environ.get("GITHUB_RUN_ID"):
        parts.append(f"run{os.environ['GITHUB_RUN_ID']}")
    return label_safe("-".join(parts))


@dataclass(frozen=True)
class LockInfo:
    """A lock found on the Hub."""

    id: str
    namespace: str
    holder: str
    expires_at: float
    created_at: datetime | None

    @property
    def expires(self) -> str:
        return datetime.fromtimestamp(self.expires_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    def describe(self) -> str:
        return f"lock {self.id} held by {self.holder} (expires {self.expires})"


@dataclass(frozen=True)
class LeaseSettings:
    timeout: float = 120.0  # how long a loser waits for the holder to finish
    ttl: float = DEFAULT_TTL
    poll: float = 2.0


class Lease:
    """Take, renew and release the lock of one project environment in one namespace."""

    def __init__(self, backend: HubBackend, namespace: str, project: str, environment: str, *,
                 settings: LeaseSettings | None = None, holder: str | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 notify: Callable[[str], None] | None = None) -> None:
        self.backend = backend
        self.namespace = namespace
        self.project = project
        self.environment = environment
        self.settings = settings or LeaseSettings()
        self.holder = holder or default_holder()
        self._clock = clock
        self._sleep = sleep
        self._notify = notify or (lambda message: None)
        self._scope = {L.PROJECT: project, L.LOCK: environment}

    # Reading

    def locks(self) -> list[LockInfo]:
        """Every lock of this project environment in the namespace, oldest first."""
        found = [_info(job) for job in self.backend.list_scheduled_jobs(self.namespace, self._scope)
                 if _is_lock_of(job, self.project, self.environment)]
        return sorted(found, key=lambda lock: (lock.created_at is None, lock.created_at, lock.id))

    # Taking and releasing

    @contextmanager
    def held(self) -> Iterator[LockInfo]:
        mine = self.acquire()
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(mine, stop), name="lease", daemon=True)
        renewer.start()
        try:
            yield mine
        finally:
            stop.set()
            renewer.join(timeout=5)
            self.release(mine)

    def acquire(self) -> LockInfo:
        give_up_at = self._clock() + self.settings.timeout
        announced = ""
        while True:
            mine = self._create()
            winner = self._winner()
            if winner is not None and winner.id == mine.id:
                return winner
            if winner is None:  # our own lock is not listed (someone forced it away): take no chances
                self.release(mine)
                raise PlanError(f"the lock {mine.id} disappeared while being taken; nothing was changed. Try again")
            self.release(mine)
            now = self._clock()
            if now >= give_up_at:
                raise LockHeldError(
                    f"another apply of project {self.project!r} environment {self.environment!r} is running: "
                    f"{winner.describe()}; nothing was changed. Wait and retry (--lock-timeout), or, if that "
                    f"apply is dead, `hfjobs-spec force-unlock {winner.id}`"
                )
            if winner.id != announced:
                self._notify(f"waiting for {winner.describe()} (up to {give_up_at - now:.0f} s more)")
                announced = winner.id
            self._sleep(min(self.settings.poll, max(0.0, give_up_at - now)))

    def release(self, lock: LockInfo) -> None:
        try:
            self.backend.delete_scheduled_job(lock.namespace, lock.id)
        except HubNotFoundError:
            pass
        except HfJobsSpecError as exc:
            self._notify(f"could not release lock {lock.id} ({exc}); it expires at {lock.expires}")

    def force_unlock(self, lock_id: str) -> LockInfo:
        """Delete a lock of this project environment (only a lock: any other id is refused)."""
        for lock in self.locks():
            if lock.id == lock_id:
                self.release(lock)
                return lock
        raise PlanError(f"{lock_id} is not a lock of project {self.project!r} environment {self.environment!r} "
                        f"in namespace {self.namespace!r}; nothing was deleted")

    # Internals

    def _labels(self, expires_at: float, nonce: str) -> dict[str, str]:
        return {
            L.MANAGED_BY: L.MANAGED_BY_VALUE,
            L.PROJECT: self.project,
            L.ENVIRONMENT: self.environment,
            L.LOCK: self.environment,
            L.LOCK_HOLDER: self.holder,
            L.LOCK_EXPIRES: str(int(expires_at)),
            L.OPERATION: nonce,
            L.HUB_NAME: label_safe(f"hfjobs-lock-{self.project}-{self.environment}"),
        }

    def _create(self) -> LockInfo:
        expires_at = self._clock() + self.settings.ttl
        request = JobRequest(image=LOCK_IMAGE, command=("true",), env={}, secrets={}, flavor="cpu-basic", timeout=60,
                             attempts=1, labels=self._labels(expires_at, secrets.token_hex(8)))
        job = self.backend.create_scheduled_job(self.namespace, request, schedule=LOCK_SCHEDULE, suspend=True,
                                                concurrency=False)
        return _info(job)

    def _winner(self) -> LockInfo | None:
        """The oldest live lock; expired ones are removed on the way (their holder is gone)."""
        now = self._clock()
        live: list[LockInfo] = []
        for lock in self.locks():
            if lock.expires_at <= now:
                self._notify(f"taking over the expired {lock.describe()}")
                self.release(lock)
            else:
                live.append(lock)
        return live[0] if live else None

    def _renew(self, lock: LockInfo, stop: threading.Event) -> None:
        interval = max(1.0, self.settings.ttl / 5)
        while not stop.wait(interval):
            expires_at = self._clock() + self.settings.ttl
            job_labels = self._labels(expires_at, "renewed")
            try:
                self.backend.set_scheduled_job_labels(lock.namespace, lock.id, job_labels)
            except HfJobsSpecError as exc:  # the next round tries again; the lease outlives a few misses
                self._notify(f"could not renew lock {lock.id}: {exc}")


def _is_lock_of(job: LiveScheduledJob, project: str, environment: str) -> bool:
    labels = job.labels
    return (labels.get(L.MANAGED_BY) == L.MANAGED_BY_VALUE and labels.get(L.PROJECT) == project
            and labels.get(L.LOCK) == environment)


def _info(job: LiveScheduledJob) -> LockInfo:
    labels = job.labels
    expires = labels.get(L.LOCK_EXPIRES, "")
    # Whole seconds only: an unreadable expiry (or "inf", which labels allow) counts as expired.
    expires_at = float(expires) if expires.isdigit() and len(expires) <= 12 else 0.0
    return LockInfo(id=job.id, namespace=job.namespace, holder=labels.get(L.LOCK_HOLDER, "unknown"),
                    expires_at=expires_at, created_at=job.created_at)
