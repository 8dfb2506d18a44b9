"""Retries for every Hub call, and creates that never duplicate.

The client's own retries (inside `list_jobs`) never fire: the HTTP client surfaces retryable answers
first (`hub.hfapi`). This wrapper retries 429, 5xx and connection failures with exponential backoff
and full jitter, honouring `Retry-After` and `RateLimit`, within one deadline per call. Creates are the delicate part: a
timeout or a 5xx may come after the Hub already made the job. Each create carries a unique
operation label, so after an ambiguous failure the wrapper looks for that label before trying
again, and a retry never makes a second job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, wait_random_exponential

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HubError, HubNotFoundError, HubRateLimitError, HubTransportError
from hfjobs_spec.hub.model import JobRequest, LiveRun, LiveScheduledJob, LiveWebhook, WebhookRequest
from hfjobs_spec.hub.port import HubBackend

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one call: attempts in all, backoff base and cap, and time budgets in seconds.

    `deadline` bounds a call with all its retries and waits; `connect_deadline` is the shorter budget
    for an endpoint that cannot be reached at all; a wait the Hub asks for (`Retry-After`, or the
    reset of an exhausted `RateLimit` window) longer than `max_wait` is not waited out.
    """

    attempts: int = 10
    base_delay: float = 0.5
    max_delay: float = 8.0
    deadline: float = 120.0
    connect_deadline: float = 8.0
    max_wait: float = 60.0
    announce_after: float = 2.0  # waits at least this long are announced through `notify`


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, (HubRateLimitError, HubTransportError))


def _unreachable(exc: BaseException | None) -> bool:
    """Nothing reached the Hub (no connection): retrying longer will not help much."""
    return isinstance(exc, HubTransportError) and exc.status is None and not exc.ambiguous


class RetryingBackend:
    """A `HubBackend` that retries another one: the only retry layer between us and the Hub."""

    def __init__(self, inner: HubBackend, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, notify: Callable[[str], None] | None = None) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.endpoint = inner.endpoint
        self._sleep = sleep
        self._notify = notify or (lambda message: None)
        self._backoff = wait_random_exponential(multiplier=self.policy.base_delay, max=self.policy.max_delay)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HubError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    def _stop(self, state: RetryCallState) -> bool:
        policy = self.policy
        exc = state.outcome.exception() if state.outcome else None
        # With an injected sleep, the time slept is the time that passed.
        elapsed = max(state.seconds_since_start or 0.0, state.idle_for)
        budget = policy.connect_deadline if _unreachable(exc) else policy.deadline
        return (state.attempt_number >= policy.attempts or state.upcoming_sleep > policy.max_wait
                or elapsed + state.upcoming_sleep > budget)

    def _give_up(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        assert isinstance(exc, HubError)
        elapsed = max(state.seconds_since_start or 0.0, state.idle_for)
        tries = f"{state.attempt_number} attempt{'s' if state.attempt_number != 1 else ''}"
        if state.upcoming_sleep > self.policy.max_wait:
            note = (f"the Hub asks to wait {state.upcoming_sleep:.0f} s before the next request, longer than "
                    f"{self.policy.max_wait:.0f} s; gave up after {tries}: try again later")
        else:
            note = f"gave up after {tries} in {elapsed:.1f} s"
        raise type(exc)(f"{exc.message} ({note})", job=exc.job, status=exc.status, retry_after=exc.retry_after,
                        ambiguous=exc.ambiguous) from exc

    def _announce(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if state.upcoming_sleep >= self.policy.announce_after and isinstance(exc, HubError):
            self._notify(f"waiting {state.upcoming_sleep:.0f} s before retrying ({exc}; attempt "
                         f"{state.attempt_number} of {self.policy.attempts})")

    def _retry(self, call: Callable[[], T]) -> T:
        retrying = Retrying(stop=self._stop, wait=self._wait, retry=retry_if_exception(_retryable), reraise=True,
                            sleep=self._sleep, before_sleep=self._announce, retry_error_callback=self._give_up)
        return retrying(call)

    def _retry_write(self, call: Callable[[], None], *, gone_is_done: bool = False) -> None:
        """An idempotent write. With `gone_is_done`, a 404 after an ambiguous failure means it worked."""
        ambiguous = False

        def attempt() -> None:
            nonlocal ambiguous
            try:
                call()
            except HubNotFoundError:
                if gone_is_done and ambiguous:
                    return
                raise
            except HubError as exc:
                ambiguous = ambiguous or exc.ambiguous
                raise

        self._retry(attempt)

    def _retry_create(self, call: Callable[[], T], find: Callable[[], T | None]) -> T:
        ambiguous = False

        def attempt() -> T:
            nonlocal ambiguous
            if ambiguous:
                # The look-up has retries of its own: a failed look-up must not use up the create's.
                found = self._retry(find)
                if found is not None:
                    return found
                ambiguous = False  # the earlier tries did not land
            try:
                return call()
            except HubError as exc:
                ambiguous = exc.ambiguous
                raise

        return self._retry(attempt)

    # Reads

    def token(self) -> str | None:
        return self.inner.token()

    def whoami(self) -> str:
        return self._retry(self.inner.whoami)

    def list_scheduled_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveScheduledJob]:
        return self._retry(lambda: self.inner.list_scheduled_jobs(namespace, labels))

    def list_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveRun]:
        return self._retry(lambda: self.inner.list_jobs(namespace, labels))

    def inspect_job(self, namespace: str, job_id: str) -> LiveRun:
        return self._retry(lambda: self.inner.inspect_job(namespace, job_id))

    def job_logs(self, namespace: str, job_id: str, tail: int | None = None) -> list[str]:
        return self._retry(lambda: self.inner.job_logs(namespace, job_id, tail))

    # Creates

    def create_scheduled_job(self, namespace: str, request: JobRequest, *, schedule: str, suspend: bool,
                             concurrency: bool) -> LiveScheduledJob:
        def find() -> LiveScheduledJob | None:
            wanted = _operation_labels(request)
            found = self.inner.list_scheduled_jobs(namespace, wanted) if wanted else []
            return found[0] if found else None

        return self._retry_create(
            lambda: self.inner.create_scheduled_job(namespace, request, schedule=schedule, suspend=suspend,
                                                    concurrency=concurrency),
            find,
        )

    def run_job(self, namespace: str, request: JobRequest) -> LiveRun:
        def find() -> LiveRun | None:
            wanted = _operation_labels(request)
            found = self.inner.list_jobs(namespace, wanted) if wanted else []
            return found[0] if found else None

        return self._retry_create(lambda: self.inner.run_job(namespace, request), find)

    def trigger_scheduled_job(self, namespace: str, job_id: str) -> LiveRun:
        """Retried only when the Hub certainly did not act (a refused connection, a 429): a trigger has
        no label to find it by, so an ambiguous failure is reported rather than risking a second run."""
        def attempt() -> LiveRun:
            try:
                return self.inner.trigger_scheduled_job(namespace, job_id)
            except HubError as exc:
                if exc.ambiguous:
                    # A plain HubError: not retryable, so the wrapper stops here.
                    raise HubError(f"{exc.message} (the run may have started: check before trying again)",
                                   job=exc.job, status=exc.status, ambiguous=True) from exc
                raise

        return self._retry(attempt)

    # Idempotent writes

    def delete_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._retry_write(lambda: self.inner.delete_scheduled_job(namespace, job_id), gone_is_done=True)

    def suspend_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._retry_write(lambda: self.inner.suspend_scheduled_job(namespace, job_id))

    def resume_scheduled_job(self, namespace: str, job_id: str) -> None:
        self._retry_write(lambda: self.inner.resume_scheduled_job(namespace, job_id))

    def reschedule(self, namespace: str, job_id: str, schedule: str) -> None:
        self._retry_write(lambda: self.inner.reschedule(namespace, job_id, schedule))

    def set_scheduled_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None:
        self._retry_write(lambda: self.inner.set_scheduled_job_labels(namespace, job_id, labels))

    def cancel_job(self, namespace: str, job_id: str) -> None:
        self._retry_write(lambda: self.inner.cancel_job(namespace, job_id))

    def set_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None:
        self._retry_write(lambda: self.inner.set_job_labels(namespace, job_id, labels))

    # Webhooks

    def list_webhooks(self) -> list[LiveWebhook]:
        return self._retry(self.inner.list_webhooks)

    def create_webhook(self, request: WebhookRequest) -> LiveWebhook:
        def find() -> LiveWebhook | None:  # the marker names the run it starts: unique to this create
            return next((hook for hook in self.inner.list_webhooks() if hook.marker == request.marker), None)

        return self._retry_create(lambda: self.inner.create_webhook(request), find)

    def update_webhook(self, webhook_id: str, request: WebhookRequest) -> LiveWebhook:
        result: list[LiveWebhook] = []
        self._retry_write(lambda: result.append(self.inner.update_webhook(webhook_id, request)))
        return result[-1]

    def enable_webhook(self, webhook_id: str) -> None:
        self._retry_write(lambda: self.inner.enable_webhook(webhook_id))

    def delete_webhook(self, webhook_id: str) -> None:
        self._retry_write(lambda: self.inner.delete_webhook(webhook_id), gone_is_done=True)


def _operation_labels(request: JobRequest) -> dict[str, str]:
    """The labels that identify exactly this create (operation id first: the Hub filters on the first)."""
    operation = request.labels.get(L.OPERATION)
    if not operation:
        return {}
    return {L.OPERATION: operation, L.PROJECT: request.labels.get(L.PROJECT, "")}
