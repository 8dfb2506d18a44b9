"""The runs of one manifest on the Hub: which is the latest, whether an id is one of them, and the
labels of a run started by hand.

A manifest's runs are found by its ownership labels (project, environment, manifest name), which
the Hub filters on: the runs apply started, those its schedule started (they carry the scheduled
job's labels), and those started with `hfjobs-spec run`. Runs of earlier revisions that apply
retired are not listed, but `--run ID` still accepts them.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HubNotFoundError, NoRunError
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.live import DiffOptions, is_owned
from hfjobs_spec.reconcile.translate import labels_with_marker

_FLOOR = datetime.min.replace(tzinfo=UTC)


def _age(run: LiveRun) -> tuple[datetime, str]:
    return run.created_at or _FLOOR, run.id


def _namespace(spec: JobSpec) -> str:
    assert spec.namespace is not None, "namespaces are resolved before runs are looked up"
    return spec.namespace


def manifest_runs(backend: HubBackend, spec: JobSpec, options: DiffOptions, *,
                  by_hand: bool = False) -> list[LiveRun]:
    """The listed runs of `spec`'s manifest (`by_hand`: only those started by hand), oldest first."""
    wanted = {L.PROJECT: options.project, L.ENVIRONMENT: options.environment_label, L.MANIFEST_NAME: spec.name}
    if by_hand:
        wanted[L.STARTED_BY] = L.STARTED_BY_HAND
    found = backend.list_jobs(_namespace(spec), wanted)
    return sorted((run for run in found if is_owned(run.labels, options)
                   and run.labels.get(L.MANIFEST_NAME) == spec.name), key=_age)


def manifest_scheduled(backend: HubBackend, spec: JobSpec, options: DiffOptions) -> LiveScheduledJob | None:
    """The live scheduled job of `spec`'s manifest (the newest, if a race left two)."""
    found = [job for job in backend.list_scheduled_jobs(_namespace(spec), {L.PROJECT: options.project})
             if is_owned(job.labels, options) and job.labels.get(L.MANIFEST_NAME) == spec.name]
    return max(found, key=lambda job: (job.created_at or _FLOOR, job.id)) if found else None


def latest_run(backend: HubBackend, spec: JobSpec, options: DiffOptions) -> LiveRun:
    """The newest run of the manifest (for a scheduled job: its last run), or a `NoRunError` saying why
    there is none.

    A schedule's runs are many (one per tick, all listed under the project), so for a scheduled job
    with a last run only that run is read, with the few runs of it started by hand; the whole
    listing only when the schedule has none (to find the runs of a schedule it replaced).
    """
    scheduled = manifest_scheduled(backend, spec, options) if spec.kind == "scheduled_job" else None
    last = scheduled.last_run_id if scheduled is not None else None
    runs = manifest_runs(backend, spec, options, by_hand=last is not None)
    if scheduled is not None and last and all(run.id != last for run in runs):
        with contextlib.suppress(HubNotFoundError):  # gone: the listed runs are all there is
            runs.append(backend.inspect_job(scheduled.namespace, last))
    if runs:
        return max(runs, key=_age)
    raise NoRunError(_no_run(spec, scheduled))


def _no_run(spec: JobSpec, scheduled: LiveScheduledJob | None) -> str:
    now = f"`hfjobs-spec run {spec.name}` runs it now"
    if spec.kind == "job":
        return f"{spec.name} has not run yet: `hfjobs-spec apply` starts its run, or {now}"
    if scheduled is None:
        return f"{spec.name} is not on the Hub yet: `hfjobs-spec apply` creates its schedule"
    if scheduled.suspend:
        return f"{spec.name} has not run yet: its schedule is suspended; {now}"
    when = scheduled.next_run_at.strftime("%Y-%m-%d %H:%M UTC") if scheduled.next_run_at else "unknown"
    return f"{spec.name} has not run yet: its first run is due at {when}; {now}"


def given_run(backend: HubBackend, spec: JobSpec, options: DiffOptions, run_id: str) -> LiveRun:
    """Run `run_id`, if it is one of the manifest's (retired runs of earlier revisions included)."""
    try:
        run = backend.inspect_job(_namespace(spec), run_id)
    except HubNotFoundError as exc:
        raise NoRunError(f"--run {run_id}: no such run in namespace {spec.namespace}") from exc
    labels = run.labels
    project = labels.get(L.PROJECT) or labels.get(L.RETIRED_FROM)
    ours = (labels.get(L.MANAGED_BY) == L.MANAGED_BY_VALUE and project == options.project
            and labels.get(L.ENVIRONMENT) == options.environment_label)
    if not ours or labels.get(L.MANIFEST_NAME) != spec.name:
        owner = f"a run of {labels[L.MANIFEST_NAME]!r}" if ours and labels.get(L.MANIFEST_NAME) else (
            "not a run of this project environment")
        raise NoRunError(f"--run {run_id}: not a run of {spec.name} ({owner})")
    return run


def hand_labels(spec: JobSpec, options: DiffOptions) -> dict[str, str]:
    """The labels of a run started by hand: ownership, the manifest's own, and the started-by mark."""
    labels = labels_with_marker(spec, options.project, options.environment_label)
    labels[L.STARTED_BY] = L.STARTED_BY_HAND
    labels[L.OPERATION] = uuid.uuid4().hex[:16]  # a lost answer is found again, never run twice
    return labels
