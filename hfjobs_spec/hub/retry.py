"""Retries for every Hub call, and creates that never duplicate.

The client itself retries only `list_jobs`. This wrapper retries 429, 5xx and connection failures
with exponential backoff and full jitter, honouring `Retry-After`. Creates are the delicate part: a
timeout or a 5xx may come after the Hub already made the job. Each create carries a unique
operation label, so after an ambiguous failure the wrapper looks for that label before trying
again, and a retry never makes a second job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HubError, HubNotFoundError, HubRateLimitError, HubTransportError
from hfjobs_spec.hub.model import JobRequest, LiveRun, LiveScheduledJob
from hfjobs_spec.hub.port import HubBackend

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in all, and the backoff's base and cap in seconds."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, (HubRateLimitError, HubTransportError))


class RetryingBackend:
    """A `HubBackend` that retries another one."""

    def __init__(self, inner: HubBackend, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.endpoint = inner.endpoint
        self._sleep = sleep
        self._backoff = wait_random_exponential(multiplier=self.policy.base_delay, max=self.policy.max_delay)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, HubError) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.max_retry_after)
        return float(self._backoff(state))

    def _retry(self, call: Callable[[], T]) -> T:
        retrying = Retrying(stop=stop_after_attempt(self.policy.attempts), wait=self._wait,
                            retry=retry_if_exception(_retryable), reraise=True, sleep=self._sleep)
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
                found = find()
                if found is not None:
                    return found
            try:
                return call()
            except HubError as exc:
                ambiguous = ambiguous or exc.ambiguous
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


def _operation_labels(request: JobRequest) -> dict[str, str]:
    """The labels that identify exactly this create (operation id first: the Hub filters on the first)."""
    operation = request.labels.get(L.OPERATION)
    if not operation:
        return {}
    return {L.OPERATION: operation, L.PROJECT: request.labels.get(L.PROJECT, "")}
