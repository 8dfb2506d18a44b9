"""Renames without replacement: a manifest's `previous_names` take over what the old names own.

The Hub keeps a job's name in labels (`name`, and our `hfjobs-name`), and labels change in place,
so a rename keeps the Hub id, the schedule's history and the runs. The diff plans a renamed job as
if the relabel were done (`take_over`), then `finish` makes sure every object it took over is
relabelled by some operation of the plan, in the same change as whatever else touches it, so that
two changes never race on one id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Operation, OperationKind
from hfjobs_spec.reconcile.translate import labels_with_marker

Live = LiveScheduledJob | LiveRun


@dataclass(frozen=True)
class Rename:
    """What one manifest took over: the old name and the objects as read (before any relabel)."""

    spec: JobSpec
    old: str
    originals: tuple[Live, ...]


def take_over(desired: Sequence[JobSpec], scheduled_by_name: dict[str, list[Any]],
              runs_by_name: dict[str, list[Any]]) -> dict[str, Rename]:
    """Move what a previous name owns under the manifest's name, relabelled in memory.

    Only for a manifest that owns nothing under its own name yet: once renamed, the key is inert.
    The first previous name that owns something wins; later ones are left to pruning as usual.
    """
    found: dict[str, Rename] = {}
    for spec in desired:
        if not spec.previous_names or scheduled_by_name.get(spec.name) or runs_by_name.get(spec.name):
            continue
        for old in spec.previous_names:
            jobs, runs = scheduled_by_name.pop(old, []), runs_by_name.pop(old, [])
            if not jobs and not runs:
                continue
            if jobs:
                scheduled_by_name[spec.name] = [renamed(job, spec.name) for job in jobs]
            if runs:
                runs_by_name[spec.name] = [renamed(run, spec.name) for run in runs]
            found[spec.name] = Rename(spec, old, (*jobs, *runs))
            break
    return found


def renamed(job: Any, name: str) -> Any:
    """`job` as it will be once relabelled under `name` (Hub name and manifest name)."""
    labels = {**job.labels, L.MANIFEST_NAME: name, L.HUB_NAME: name}
    return dataclasses.replace(job, spec=dataclasses.replace(job.spec, labels=labels))


_RELABELS = ("relabel_scheduled", "relabel_run", "import_scheduled", "import_run")


def finish(changes: list[Change], renames: dict[str, Rename], project: str, environment: str) -> list[Change]:
    """Every taken-over object relabelled (or deleted) by the plan, and each change saying it moved."""
    if not renames:
        return changes
    result = list(changes)
    for name, rename in renames.items():
        spec = rename.spec
        originals = {job.id: job for job in rename.originals}
        for job_id, job in originals.items():
            covered = any(op.target == job_id and (op.kind in _RELABELS or op.kind == "delete_scheduled")
                          for change in result if change.name == name for op in change.operations)
            if covered:
                continue
            relabel = _relabel(job, name)
            index = next((i for i, c in enumerate(result) if c.name == name and job_id in c.live_ids), None)
            if index is None:  # a run the plan has no other business with: it leaves the listing, renamed
                result.append(Change(name, "job", "update", f"run {job_id} of the earlier name: relabel it",
                                     job.namespace, live_ids=(job_id,), operations=(relabel,)))
                continue
            change = result[index]
            if change.action == "noop":
                # Up to date but for the name: the manifest's own labels, as an ordinary update would set.
                final = labels_with_marker(spec, project, environment)
                kind: OperationKind = "relabel_scheduled" if isinstance(job, LiveScheduledJob) else "relabel_run"
                result[index] = dataclasses.replace(
                    change, action="update",
                    reason=f"renamed in place (same Hub id, history kept); otherwise {change.reason}",
                    operations=(Operation(kind, job.namespace, job_id, labels=tuple(sorted(final.items()))),))
            else:
                result[index] = dataclasses.replace(change, operations=(*change.operations, relabel))
        for index, change in enumerate(result):
            if change.name == name and set(change.live_ids) & set(originals):
                fields = change.fields if any(f.field == "name" for f in change.fields) else (
                    FieldDiff("name", rename.old, name), *change.fields)
                result[index] = dataclasses.replace(change, moved_from=rename.old, fields=fields)
    return result


def _relabel(job: Live, name: str) -> Operation:
    labels = tuple(sorted(renamed(job, name).labels.items()))
    if isinstance(job, LiveScheduledJob):
        return Operation("relabel_scheduled", job.namespace, job.id, labels=labels)
    return Operation("relabel_run", job.namespace, job.id, labels=labels)
