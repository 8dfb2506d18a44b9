"""Carry out a plan's changes against a `HubBackend`, in parallel, with a report of what happened.

Each change runs its operations in order (a replace creates before it deletes, so a failure never
leaves a schedule missing); changes run side by side up to `parallelism`. A stop request (Ctrl-C)
lets the changes in flight finish and starts no new one.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HfJobsSpecError, HubError, HubNotFoundError, PlanError
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.limits import DEFAULT_PARALLELISM
from hfjobs_spec.reconcile.plan import Change, Operation
from hfjobs_spec.reconcile.secrets import resolve_secrets
from hfjobs_spec.reconcile.translate import labels_with_marker, to_request
from hfjobs_spec.reconcile.webhook_ops import WEBHOOK_OPERATIONS, perform_webhook


@dataclass(frozen=True)
class ChangeResult:
    change: Change
    ok: bool
    error: str | None = None
    created: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApplyReport:
    results: tuple[ChangeResult, ...]
    not_started: tuple[Change, ...] = ()
    interrupted: bool = False

    @property
    def succeeded(self) -> tuple[ChangeResult, ...]:
        return tuple(r for r in self.results if r.ok)

    @property
    def failed(self) -> tuple[ChangeResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_started and not self.interrupted


@dataclass(frozen=True)
class ChangeEvent:
    kind: Literal["started", "succeeded", "failed"]
    change: Change
    result: ChangeResult | None = None


class Executor:
    """Runs changes. `specs` supplies the full spec for every create; secrets resolve per create."""

    def __init__(self, backend: HubBackend, specs: Mapping[str, JobSpec], *, project: str, environment: str,
                 environ: Mapping[str, str], parallelism: int = DEFAULT_PARALLELISM,
                 on_event: Callable[[ChangeEvent], None] | None = None) -> None:
        self.backend = backend
        self.specs = specs
        self.project = project
        self.environment = environment
        self.environ = environ
        self.parallelism = max(1, parallelism)
        self.on_event = on_event or (lambda event: None)
        self._token = backend.token()

    def run(self, changes: Sequence[Change], stop: threading.Event | None = None) -> ApplyReport:
        """Apply `changes`, at most `parallelism` at a time.

        Once `stop` is set (the CLI sets it on Ctrl-C), no new change starts and those in flight finish.
        A KeyboardInterrupt does the same, for callers that leave Ctrl-C to Python.
        """
        results: list[ChangeResult] = []
        interrupted = False
        stop = stop or threading.Event()
        queue = iter(changes)
        with ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="apply") as pool:
            # Only `parallelism` futures exist at a time, so the cost per change does not grow with N.
            running = {pool.submit(self._guarded, change, stop) for change in itertools.islice(queue, self.parallelism)}
            while running:
                try:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    interrupted = True
                    stop.set()
                    continue
                for future in done:
                    result = future.result()
                    if result is not None:
                        results.append(result)
                    upcoming = None if stop.is_set() else next(queue, None)
                    if upcoming is not None:
                        running.add(pool.submit(self._guarded, upcoming, stop))
        interrupted = interrupted or stop.is_set()
        finished = {id(result.change) for result in results}
        not_started = tuple(change for change in changes if id(change) not in finished)
        order = {id(change): index for index, change in enumerate(changes)}
        results.sort(key=lambda result: order[id(result.change)])
        return ApplyReport(tuple(results), not_started, interrupted)

    def _guarded(self, change: Change, stop: threading.Event) -> ChangeResult | None:
        if stop.is_set():
            return None
        self.on_event(ChangeEvent("started", change))
        result = self._apply(change)
        self.on_event(ChangeEvent("succeeded" if result.ok else "failed", change, result))
        return result

    def _apply(self, change: Change) -> ChangeResult:
        created: list[str] = []
        started: str | None = None  # the run this change started: what its webhook re-runs
        try:
            for operation in change.operations:
                if operation.kind in WEBHOOK_OPERATIONS:
                    new_id = perform_webhook(self.backend, operation, self.specs.get(change.name),
                                             project=self.project, environment=self.environment,
                                             environ=self.environ, token=self._token, started=started)
                else:
                    new_id = self._perform(change, operation)
                    started = new_id if operation.kind == "run" else started
                if new_id:
                    created.append(new_id)
        except HfJobsSpecError as exc:
            return ChangeResult(change, False, str(exc), tuple(created))
        except Exception as exc:  # a bug must not take the other changes down with it
            return ChangeResult(change, False, f"unexpected error: {type(exc).__name__}: {exc}", tuple(created))
        return ChangeResult(change, True, None, tuple(created))

    def _perform(self, change: Change, op: Operation) -> str | None:
        backend = self.backend
        target = op.target or ""
        if op.kind in ("create_scheduled", "run"):
            spec = self.specs[change.name]
            labels = labels_with_marker(spec, self.project, self.environment)
            labels[L.OPERATION] = uuid.uuid4().hex[:16]
            request = to_request(spec, labels, resolve_secrets(spec, self.environ, self._token))
            if op.kind == "run":
                return backend.run_job(op.namespace, request).id
            assert spec.schedule is not None
            return backend.create_scheduled_job(op.namespace, request, schedule=spec.schedule, suspend=spec.suspend,
                                                concurrency=spec.concurrency).id
        if op.kind == "delete_scheduled":
            # Gone already (another apply, or a person) is what was wanted.
            with contextlib.suppress(HubNotFoundError):
                backend.delete_scheduled_job(op.namespace, target)
        elif op.kind == "reschedule":
            assert op.schedule is not None
            backend.reschedule(op.namespace, target, op.schedule)
        elif op.kind == "suspend":
            backend.suspend_scheduled_job(op.namespace, target)
        elif op.kind == "resume":
            backend.resume_scheduled_job(op.namespace, target)
        elif op.kind == "relabel_scheduled":
            backend.set_scheduled_job_labels(op.namespace, target, dict(op.labels))
        elif op.kind == "cancel":
            self._cancel(op.namespace, target)
        elif op.kind == "relabel_run":
            backend.set_job_labels(op.namespace, target, dict(op.labels))
        elif op.kind == "import_scheduled":  # adopt in place: same Hub id, history kept
            backend.set_scheduled_job_labels(op.namespace, target, dict(op.labels))
        elif op.kind == "import_run":
            backend.set_job_labels(op.namespace, target, dict(op.labels))
        else:  # plans are computed here, never read from a file, so this is a bug, never silently "done"
            raise PlanError(f"unknown operation kind {op.kind!r}")
        return None

    def _cancel(self, namespace: str, job_id: str) -> None:
        """Cancel a run. One that finished or vanished since the plan was made is not running, as wanted."""
        try:
            self.backend.cancel_job(namespace, job_id)
        except HubNotFoundError:
            return
        except HubError as exc:
            # The Hub's answer to cancelling a finished run is some 4xx (which one is not documented):
            # accept any, once a re-read shows the run has ended.
            if exc.status is None or not 400 <= exc.status < 500 or exc.status == 429:
                raise
            try:
                still_running = self.backend.inspect_job(namespace, job_id).active
            except HubNotFoundError:
                return
            if still_running:
                raise
