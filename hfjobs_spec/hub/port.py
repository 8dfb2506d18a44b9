"""The narrow port the reconciler talks to. Real adapter, fake and retry wrapper all implement it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from hfjobs_spec.hub.model import JobRequest, LiveRun, LiveScheduledJob


class HubBackend(Protocol):
    """Every Hub operation the reconciler needs, always with an explicit namespace."""

    endpoint: str

    def whoami(self) -> str:
        """The token's user name."""
        ...

    def token(self) -> str | None:
        """The token requests are made with (the value `$HF_TOKEN` secrets resolve to)."""
        ...

    def list_scheduled_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveScheduledJob]: ...

    def list_jobs(self, namespace: str, labels: Mapping[str, str]) -> list[LiveRun]: ...

    def inspect_job(self, namespace: str, job_id: str) -> LiveRun: ...

    def create_scheduled_job(self, namespace: str, request: JobRequest, *, schedule: str, suspend: bool,
                             concurrency: bool) -> LiveScheduledJob: ...

    def delete_scheduled_job(self, namespace: str, job_id: str) -> None: ...

    def suspend_scheduled_job(self, namespace: str, job_id: str) -> None: ...

    def resume_scheduled_job(self, namespace: str, job_id: str) -> None: ...

    def reschedule(self, namespace: str, job_id: str, schedule: str) -> None: ...

    def set_scheduled_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None: ...

    def run_job(self, namespace: str, request: JobRequest) -> LiveRun: ...

    def cancel_job(self, namespace: str, job_id: str) -> None: ...

    def set_job_labels(self, namespace: str, job_id: str, labels: Mapping[str, str]) -> None: ...

    def job_logs(self, namespace: str, job_id: str, tail: int | None = None) -> list[str]:
        """The run's log lines so far (the last `tail` ones), oldest first; never waits for new ones."""
        ...

    def trigger_scheduled_job(self, namespace: str, job_id: str) -> LiveRun:
        """One run of the scheduled job now, its schedule unchanged (the Hub's `POST .../run`)."""
        ...
