"""Drift: what changed on the Hub behind git's back, as a pure function over a plan and the live state.

There is no state file, so only what leaves evidence on the Hub can be told apart from "git is
ahead of the Hub" (a manifest merged but not applied yet). What is detected, and how:

- **edited**: a managed job whose schedule, suspend or labels differ from what apply last set
  (the `hfjobs-applied` marker, a hash of those fields as apply set them, no longer matches).
- **deleted**: a declared scheduled job missing from the Hub while runs its schedule started are
  still listed (they carry its ownership labels), so it existed and was removed by hand.
- **duplicate**: two live jobs owned under one manifest name (made by hand, or by a copy).
- **unmanaged**: a scheduled job without ownership labels carrying the Hub name (`name` label) of a
  declared job: a hand-made copy, or a managed job whose labels were replaced by hand.

A declared job that is missing and left no trace is `not_applied` (deleted by hand before it ever
ran, or never applied): reported, but not counted as drift, because it is not evidence of either.
Jobs the Hub can change only in place are compared; a job spec cannot be edited on the Hub at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.live import DiffOptions, LiveState, is_owned, owned_state
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Plan
from hfjobs_spec.reconcile.translate import applied_marker, comparable_labels

DriftKind = Literal["edited", "deleted", "duplicate", "unmanaged"]
DRIFT_KINDS: tuple[DriftKind, ...] = ("deleted", "edited", "duplicate", "unmanaged")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class DriftItem:
    """One thing on the Hub that git did not ask for. `fields`: what apply would set them back to."""

    kind: DriftKind
    name: str
    job_kind: Literal["job", "scheduled_job"]
    namespace: str
    live_id: str | None
    detail: str
    fields: tuple[FieldDiff, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftItem:
        return cls(kind=data["kind"], name=data["name"], job_kind=data["job_kind"], namespace=data["namespace"],
                   live_id=data["live_id"], detail=data["detail"],
                   fields=tuple(FieldDiff(f["field"], f["hub"], f["git"]) for f in data["fields"]))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "job_kind": self.job_kind, "namespace": self.namespace,
                "live_id": self.live_id, "detail": self.detail,
                "fields": [{"field": f.field, "hub": f.old, "git": f.new} for f in self.fields]}


@dataclass(frozen=True)
class DriftReport:
    project: str
    environment: str | None
    namespaces: tuple[str, ...]
    items: tuple[DriftItem, ...]
    not_applied: tuple[str, ...] = ()

    @property
    def has_drift(self) -> bool:
        return bool(self.items)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: sum(item.kind == kind for item in self.items) for kind in DRIFT_KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "project": self.project, "environment": self.environment,
                "namespaces": list(self.namespaces), "drift": self.has_drift, "counts": self.counts,
                "items": [item.to_dict() for item in self.items], "not_applied": list(self.not_applied)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftReport:
        """A report `to_dict` wrote (read back by the GitHub runner, which renders it with run details)."""
        return cls(project=data["project"], environment=data["environment"], namespaces=tuple(data["namespaces"]),
                   items=tuple(DriftItem.from_dict(item) for item in data["items"]),
                   not_applied=tuple(data["not_applied"]))


def find_drift(desired: Sequence[JobSpec], live: LiveState, plan: Plan, options: DiffOptions,
               others: Sequence[LiveScheduledJob] = ()) -> DriftReport:
    """Drift of one project environment. `others`: every scheduled job of the namespaces, unfiltered."""
    owned = owned_state(live, options)
    changes = {change.name: change for change in plan.pending if change.action in ("update", "replace")}
    items: list[DriftItem] = []
    for job in owned.scheduled:
        if _edited(job.labels, job.schedule, job.suspend):
            items.append(_edited_item(job.labels[L.MANIFEST_NAME], "scheduled_job", job.namespace, job.id,
                                      changes))
    for run in owned.runs:
        if _edited(run.labels, None, None):
            items.append(_edited_item(run.labels[L.MANIFEST_NAME], "job", run.namespace, run.id, changes))
    items += _duplicates(plan)
    missing, not_applied = _missing(desired, owned, live, options)
    items += missing
    items += _unmanaged(desired, others, options.foreign)
    items.sort(key=lambda item: (DRIFT_KINDS.index(item.kind), item.name, item.live_id or ""))
    return DriftReport(project=options.project, environment=options.environment, namespaces=live.namespaces,
                       items=tuple(items), not_applied=tuple(sorted(not_applied)))


def _edited(labels: Any, schedule: str | None, suspend: bool | None) -> bool:
    # A job without the marker predates it: nothing to compare with, so no claim either way.
    recorded = labels.get(L.APPLIED)
    return recorded is not None and recorded != applied_marker(schedule, suspend, comparable_labels(labels))


def _edited_item(name: str, kind: Literal["job", "scheduled_job"], namespace: str, live_id: str,
                 changes: dict[str, Change]) -> DriftItem:
    change = changes.get(name)
    fields = tuple(f for f in change.fields if not f.forces_replacement) if change else ()
    what = ", ".join(sorted({f.field.split(".", 1)[0] for f in fields})) or "schedule, suspend or labels"
    return DriftItem("edited", name, kind, namespace, live_id,
                     f"{what} changed on the Hub since the last apply; apply sets them back", fields)


def _duplicates(plan: Plan) -> list[DriftItem]:
    return [DriftItem("duplicate", c.name, c.kind, c.namespace, c.live_ids[0] if c.live_ids else None, c.reason)
            for c in plan.pending if c.action == "delete" and c.reason.startswith("duplicate")]


def _missing(desired: Sequence[JobSpec], owned: LiveState, live: LiveState,
             options: DiffOptions) -> tuple[list[DriftItem], list[str]]:
    present = {job.labels[L.MANIFEST_NAME] for job in owned.scheduled}
    present |= {run.labels[L.MANIFEST_NAME] for run in owned.runs}
    # Runs a schedule started carry the scheduled job's labels: proof that the job once existed.
    started: dict[str, list[LiveRun]] = {}
    for run in live.runs:
        if run.initiator_type == "scheduled-job" and is_owned(run.labels, options):
            started.setdefault(run.labels[L.MANIFEST_NAME], []).append(run)
    items, not_applied = [], []
    for spec in desired:
        if spec.name in present:
            continue
        runs = started.get(spec.name, []) if spec.kind == "scheduled_job" else []
        if runs:
            last = max(runs, key=lambda run: (run.created_at is not None, run.created_at, run.id))
            items.append(DriftItem("deleted", spec.name, "scheduled_job", spec.namespace or last.namespace,
                                   last.initiator_id, f"deleted on the Hub: its schedule started run {last.id}, "
                                   "but the scheduled job is gone; apply creates it again"))
        else:
            not_applied.append(spec.name)
    return items, not_applied


def _unmanaged(desired: Sequence[JobSpec], others: Sequence[LiveScheduledJob],
               foreign: Sequence[str]) -> list[DriftItem]:
    """Copies made by hand; another tool's job that happens to share a name is that tool's business."""
    names = {spec.name for spec in desired}
    items = []
    for job in others:
        name = job.labels.get(L.HUB_NAME)
        if (name in names and L.MANAGED_BY not in job.labels and L.LOCK not in job.labels
                and L.foreign_label(job.labels, foreign) is None):
            items.append(DriftItem("unmanaged", name, "scheduled_job", job.namespace, job.id,
                                   f"not managed by hfjobs-spec but carries the Hub name {name!r} of a declared "
                                   "job (a copy made by hand, or its labels were replaced); apply never touches it"))
    return items
