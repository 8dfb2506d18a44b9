"""The project's exception tree.

Every error the core raises on purpose is a subclass of `HfJobsSpecError`. The CLI's error
boundary turns them into a clean message and exit code 1; anything else is a bug.

    HfJobsSpecError
    ├── ProjectError            hfjobs.yaml missing or invalid, bad --var / --values
    ├── ManifestErrors          one or more manifest problems, each a `ManifestIssue`
    ├── SecretResolutionError   a secret reference has no value at apply time
    ├── LockHeldError           another apply of the same project environment holds the lease
    ├── LocalHubError           the embedded local Hub (--local) cannot use its state folder
    ├── NoRunError              a job has no run to show or wait for, or --run names another job's run
    ├── PlanError               the plan cannot be made or executed as asked
    │   ├── StalePlanError      a saved plan no longer matches manifests or live state
    │   ├── ProtectedJobError   a change would destroy a job marked `protect: true`
    │   └── PolicyViolationError  a change breaks a rule of the project's `policy:`
    ├── ExportError             export cannot do what was asked (unknown --name, a file it would overwrite)
    └── HubError                anything the Hub (or localhub) refused or failed to answer
        ├── HubAuthError        missing or rejected token, forbidden namespace (401, 403)
        ├── HubPaymentError     402: no credits left; final, never retried
        ├── HubNotFoundError    the job or scheduled job does not exist
        ├── HubConflictError    409, e.g. a trigger while a run is active
        ├── HubBadRequestError  400: the Hub rejected the request's content
        ├── HubRateLimitError   429 after all retries
        └── HubTransportError   timeouts, refused or dropped connections, 5xx after all retries
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


class HfJobsSpecError(Exception):
    """Root of every error raised on purpose by hfjobs-spec."""


class ProjectError(HfJobsSpecError):
    """The project file or the command-line variables are unusable."""


@dataclass(frozen=True, order=True)
class ManifestIssue:
    """One problem in one file, at a 1-based line and column, about one field."""

    file: str
    line: int
    column: int
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"  # a warning never fails validation

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        if not self.file:  # about the command line rather than a file
            return f"{self.severity}: {field}{self.message}"
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {field}{self.message}"


class ManifestErrors(HfJobsSpecError):
    """Manifests failed to load, render or validate; `issues` holds every problem found."""

    def __init__(self, issues: Sequence[ManifestIssue]) -> None:
        self.issues = tuple(sorted(issues))
        count = len(self.issues)
        super().__init__(f"{count} manifest error{'s' if count != 1 else ''}")


class SecretResolutionError(HfJobsSpecError):
    """A secret reference cannot be resolved. The message names the job and the variable, never a value."""


class LocalHubError(HfJobsSpecError):
    """The embedded local Hub cannot start on its state in `.hfjobs/` (another version's, or unreadable)."""


class LockHeldError(HfJobsSpecError):
    """Another apply of the same project and environment holds the lease on the Hub."""


class NoRunError(HfJobsSpecError):
    """A job has not run yet (or is not on the Hub), or a run id given is not one of the job's runs."""


class PlanError(HfJobsSpecError):
    """The plan cannot be made or carried out as asked."""


class StalePlanError(PlanError):
    """A saved plan was made against manifests or live state that have changed since."""


class ProtectedJobError(PlanError):
    """The plan would delete or replace a job marked `protect: true`."""


class PolicyViolationError(PlanError):
    """The plan breaks a rule of the project's policy (`policy:` in hfjobs.yaml) that nobody overrode."""


class ExportError(HfJobsSpecError):
    """`export` cannot do what was asked (a name that matches no job, a file it would overwrite)."""


class HubError(HfJobsSpecError):
    """The Hub refused a request or could not be reached. `job` names what it concerned, if known.

    `ambiguous` means the request may have been carried out even though it failed (a timeout, a
    dropped connection, a 5xx); `retry_after` is the server's requested wait in seconds, if any.
    """

    def __init__(self, message: str, *, job: str | None = None, status: int | None = None,
                 retry_after: float | None = None, ambiguous: bool = False) -> None:
        self.job = job
        self.status = status
        self.retry_after = retry_after
        self.ambiguous = ambiguous
        self.message = message
        super().__init__(f"{job}: {message}" if job else message)


class HubAuthError(HubError):
    """No token, an invalid token, or a namespace the token may not use."""


class HubPaymentError(HubError):
    """The Hub refused to start a job because the account has no pre-paid credits (402)."""


class HubNotFoundError(HubError):
    """The job or scheduled job does not exist (any more)."""


class HubConflictError(HubError):
    """The Hub reported a conflict (409)."""


class HubBadRequestError(HubError):
    """The Hub rejected the content of a request (400)."""


class HubRateLimitError(HubError):
    """The Hub kept answering 429 after every retry."""


class HubTransportError(HubError):
    """Timeouts, refused or dropped connections, or 5xx answers after every retry."""
