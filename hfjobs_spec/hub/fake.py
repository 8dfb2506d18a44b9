"""An in-memory `HubBackend` for fast tests: typed, thread-safe, with the Hub's label filtering and faults.

It follows the same contract as localhub (the shared contract suite runs against both): label
filters with AND semantics, full-replacement relabels, secrets kept but reported by name only,
runs that start in SCHEDULING, and 404s for unknown ids.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from hfjobs_spec.errors import HubError, HubNotFoundError
from hfjobs_spec.hub.model import JobRequest, LiveRun, LiveScheduledJob, LiveSpec, LiveWebhook, WebhookRequest

T = TypeVar("T")


@dataclass
class _Fault:
    method: str
    error: HubError
    commit: bool  # carry the call out, then fail: the ambiguous case
    remaining: int


class FakeHub:
    """A `HubBackend` held in memory. `calls` counts every port call by method name."""

    def __init__(self, user: str = "alice", orgs: tuple[str, ...] = (), token: str = "fake-token") -> None:
        self.endpoint = "https://fake.hub"
        self.user = user
        self.namespaces = {user, *orgs}
        self._token = token
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._clock = itertools.count()
        self.scheduled: dict[str, LiveScheduledJob] = {}
        self.runs: dict[str, LiveRun] = {}
        self.secret_values: dict[str, dict[str, str]] = {}
        self.webhooks: dict[str, LiveWebhook] = {}
        self.webhook_jobs: dict[str, str] = {}  # webhook id -> the run it re-runs

        self.logs: dict[str, list[str]] = {}  # run id -> lines; tests add them with `log`
        self.calls: dict[str, int] = {}
        self._faults: list[_Fault] = []

    # Test controls

    def fail_next(self, method: str, error: HubError, *, commit: bool = False, times: int = 1) -> None:
        """Make the next `times` calls of `method` raise `error` (after doing the work if `commit`)."""
        with self._lock:
            self._faults.append(_Fault(method, error, commit, times))

    def finish_run(self, job_id: str, stage: str = "COMPLETED") -> None:
        with self._lock:
            self.runs[job_id] = replace(self.runs[job_id], stage=stage)

    def log(self, job_id: str, *lines: str) -> None:
        with self._lock:
            self.logs.setdefault(job_id, []).extend(lines)

    def seed_scheduled(self, namespace: str, spec: LiveSpec, schedule: str, *, suspend: bool = False,
                       concurrency: bool = False) -> LiveScheduledJob:
        """Put a scheduled job on the fake Hub directly (as a person or another tool would)."""
        with self._lock:
            job = LiveScheduledJob(id=self._new_id(), namespace=namespace, spec=spec, schedule=schedule,
                                   suspend=suspend, concurrency=concurrency, created_at=self._now())
            self.scheduled[job.id] = job
            return job

    # Port

    def token(self) -> str | None:
        return self._token

    def whoami(self) -> str:
        self._enter("whoami")
        return self.user

    def list_scheduled_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveScheduledJob]:
        self._enter("list_scheduled_jobs", namespace)
        with self._lock:
            found = [job for job in self.scheduled.values() if job.namespace == namespace and _has(job, labels)]
        return sorted(found, key=lambda job: job.id)

    def list_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveRun]:
        self._enter("list_jobs", namespace)
        with self._lock:
            found = [run for run in self.runs.values() if run.namespace == namespace and _has(run, labels)]
        return sorted(found, key=lambda run: run.id, reverse=True)

    def inspect_job(self, namespace: str, job_id: str) -> LiveRun:
        self._enter("inspect_job", namespace)
        return self._run(namespace, job_id)

    def create_scheduled_job(self, namespace: str, request: JobRequest, *, schedule: str, suspend: bool,
                             concurrency: bool) -> LiveScheduledJob:
        def work() -> LiveScheduledJob:
            job = LiveScheduledJob(id=self._new_id(), namespace=namespace, spec=_live_spec(request),
                                   schedule=schedule, suspend=suspend, concurrency=concurrency,
                                   created_at=self._now())
            self.scheduled[job.id] = job
            self.secret_values[job.id] = {k: v.reveal() for k, v in request.secrets.items()}
            return job

        return self._write("create_scheduled_job", namespace, work)

    def delete_scheduled_job(self, namespace: str, job_id: str) -> None:
        def work() -> None:
            self._scheduled(namespace, job_id)
            del self.scheduled[job_id]

        self._write("delete_scheduled_job", namespace, work)

    def suspend_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._update_scheduled("suspend_scheduled_job", namespace, job_id, suspend=True)

    def resume_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._update_scheduled("resume_scheduled_job", namespace, job_id, suspend=False)

    def reschedule(self, namespace: str, job_id: str, schedule: str) -> None:
        self._update_scheduled("reschedule", namespace, job_id, schedule=schedule)

    def set_scheduled_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None:
        def work() -> None:
            job = self._scheduled(namespace, job_id)
            self.scheduled[job_id] = replace(job, spec=replace(job.spec, labels=dict(labels)))

        self._write("set_scheduled_job_labels", namespace, work)

    def run_job(self, namespace: str, request: JobRequest) -> LiveRun:
        def work() -> LiveRun:
            run = LiveRun(id=self._new_id(), namespace=namespace, spec=_live_spec(request), stage="SCHEDULING",
                          created_at=self._now(), initiator_type="user", url=f"{self.endpoint}/jobs/{namespace}")
            self.runs[run.id] = run
            self.secret_values[run.id] = {k: v.reveal() for k, v in request.secrets.items()}
            return run

        return self._write("run_job", namespace, work)

    def cancel_job(self, namespace: str, job_id: str) -> None:
        def work() -> None:
            run = self._run(namespace, job_id)
            if run.active:
                self.runs[job_id] = replace(run, stage="CANCELED")

        self._write("cancel_job", namespace, work)

    def set_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None:
        def work() -> None:
            run = self._run(namespace, job_id)
            self.runs[job_id] = replace(run, spec=replace(run.spec, labels=dict(labels)))

        self._write("set_job_labels", namespace, work)

    # Webhooks (the token's user's, not a namespace's)

    def seed_webhook(self, job_id: str, watched: tuple[tuple[str, str], ...], secret: str | None = None) -> LiveWebhook:
        """A webhook made by hand: its secret is not kept unless it carries our marker prefix (like the adapter)."""
        from hfjobs_spec.labels import WEBHOOK_MARKER_PREFIX

        with self._lock:
            marker = secret if secret and secret.startswith(WEBHOOK_MARKER_PREFIX) else None
            hook = LiveWebhook(id=self._new_id(), watched=tuple(sorted(watched)), domains=("discussion", "repo"),
                               disabled=False, marker=marker)
            self.webhooks[hook.id] = hook
            self.webhook_jobs[hook.id] = job_id
            return hook

    def list_webhooks(self) -> list[LiveWebhook]:
        self._enter("list_webhooks")
        with self._lock:
            return sorted(self.webhooks.values(), key=lambda hook: hook.id)

    def create_webhook(self, request: WebhookRequest) -> LiveWebhook:
        def work() -> LiveWebhook:
            hook = self._hooked(self._new_id(), request, disabled=False)
            self.secret_values[hook.id] = {k: v.reveal() for k, v in request.secrets.items() if v.reveal()}
            return hook

        return self._write("create_webhook", self.user, work)

    def update_webhook(self, webhook_id: str, request: WebhookRequest) -> LiveWebhook:
        def work() -> LiveWebhook:
            hook = self._webhook(webhook_id)
            values = self.secret_values.setdefault(webhook_id, {})
            for key, value in request.secrets.items():  # listed keys replace, "" removes, others stay
                if value.reveal():
                    values[key] = value.reveal()
                else:
                    values.pop(key, None)
            return self._hooked(webhook_id, request, disabled=hook.disabled)

        return self._write("update_webhook", self.user, work)

    def enable_webhook(self, webhook_id: str) -> None:
        def work() -> None:
            self.webhooks[webhook_id] = replace(self._webhook(webhook_id), disabled=False)

        self._write("enable_webhook", self.user, work)

    def disable_webhook(self, webhook_id: str) -> None:
        """Not in the port (apply never disables); a person can, in the Hub's settings."""
        with self._lock:
            self.webhooks[webhook_id] = replace(self._webhook(webhook_id), disabled=True)

    def delete_webhook(self, webhook_id: str) -> None:
        def work() -> None:
            self._webhook(webhook_id)
            del self.webhooks[webhook_id]
            self.webhook_jobs.pop(webhook_id, None)

        self._write("delete_webhook", self.user, work)

    def job_logs(self, namespace: str, job_id: str, tail: int | None = None) -> list[str]:
        self._enter("job_logs", namespace)
        with self._lock:
            self._run(namespace, job_id)
            lines = list(self.logs.get(job_id, []))
        return lines if tail is None else lines[len(lines) - min(tail, len(lines)):]

    def trigger_scheduled_job(self, namespace: str, job_id: str) -> LiveRun:
        def work() -> LiveRun:
            job = self._scheduled(namespace, job_id)
            busy = [r for r in self.runs.values() if r.initiator_id == job_id and r.active]
            if busy and not job.concurrency:
                from hfjobs_spec.errors import HubConflictError

                raise HubConflictError(f"409: scheduled job {job_id} already has an active run", job=job_id,
                                       status=409)
            run = LiveRun(id=self._new_id(), namespace=namespace, spec=job.spec, stage="SCHEDULING",
                          created_at=self._now(), initiator_type="scheduled-job", initiator_id=job_id,
                          url=f"{self.endpoint}/jobs/{namespace}")
            self.runs[run.id] = run
            self.scheduled[job_id] = replace(job, last_run_id=run.id, last_run_at=run.created_at)
            return run

        return self._write("trigger_scheduled_job", namespace, work)

    # Internals

    def _hooked(self, webhook_id: str, request: WebhookRequest, *, disabled: bool) -> LiveWebhook:
        source = self.runs.get(request.job_id)
        if source is None:
            raise HubNotFoundError(f"404: job {request.job_id} not found", job=request.job_id, status=404)
        hook = LiveWebhook(id=webhook_id, watched=tuple(sorted(request.watched)),
                           domains=tuple(sorted(request.domains)), disabled=disabled, marker=request.marker,
                           job_labels=dict(source.labels))
        self.webhooks[webhook_id] = hook
        self.webhook_jobs[webhook_id] = request.job_id
        return hook

    def _webhook(self, webhook_id: str) -> LiveWebhook:
        hook = self.webhooks.get(webhook_id)
        if hook is None:
            raise HubNotFoundError("404: webhook not found", job=webhook_id, status=404)
        return hook

    def _update_scheduled(self, method: str, namespace: str, job_id: str, **changes: object) -> None:
        def work() -> None:
            job = self._scheduled(namespace, job_id)
            self.scheduled[job_id] = replace(job, **changes)  # type: ignore[arg-type]

        self._write(method, namespace, work)

    def _enter(self, method: str, namespace: str | None = None) -> _Fault | None:
        with self._lock:
            self.calls[method] = self.calls.get(method, 0) + 1
            fault = next((f for f in self._faults if f.method == method and f.remaining > 0), None)
            if fault is not None:
                fault.remaining -= 1
        if namespace is not None and namespace not in self.namespaces:
            from hfjobs_spec.errors import HubAuthError

            raise HubAuthError(f"403: namespace {namespace!r} is not yours", status=403)
        if fault is not None and not fault.commit:
            raise fault.error
        return fault

    def _write(self, method: str, namespace: str, work: Callable[[], T]) -> T:
        fault = self._enter(method, namespace)
        with self._lock:
            result = work()
        if fault is not None:
            raise fault.error
        return result

    def _scheduled(self, namespace: str, job_id: str) -> LiveScheduledJob:
        job = self.scheduled.get(job_id)
        if job is None or job.namespace != namespace:
            raise HubNotFoundError("not found on the Hub", job=job_id, status=404)
        return job

    def _run(self, namespace: str, job_id: str) -> LiveRun:
        run = self.runs.get(job_id)
        if run is None or run.namespace != namespace:
            raise HubNotFoundError("not found on the Hub", job=job_id, status=404)
        return run

    def _new_id(self) -> str:
        return f"{next(self._ids):024x}"

    def _now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=next(self._clock))


def _has(job: LiveRun | LiveScheduledJob, labels: Mapping[str, str]) -> bool:
    return all(job.labels.get(key) == value for key, value in labels.items())


def _live_spec(request: JobRequest) -> LiveSpec:
    return LiveSpec.from_request(request)
