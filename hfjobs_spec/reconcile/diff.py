"""The diff: pure functions from desired specs and live state to a `Plan`.

Scheduled jobs are matched to manifests by their ownership labels. A different spec hash means
replace (the Hub cannot edit a job spec): create the new one, then delete the old. Schedule,
suspend and labels change in place. One-shot jobs run once per spec revision. Jobs without our
ownership labels, or of another project or environment, are never looked at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.errors import PlanError
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.manifest.model import JobSpec, spec_hash
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Operation, Plan
from hfjobs_spec.reconcile.translate import (
    applied_marker,
    comparable_labels,
    desired_view,
    hub_labels,
    labels_with_marker,
    live_view,
)


@dataclass(frozen=True)
class LiveState:
    """What the Hub holds for one project, read in the namespaces listed."""

    scheduled: tuple[LiveScheduledJob, ...] = ()
    runs: tuple[LiveRun, ...] = ()
    namespaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiffOptions:
    project: str
    environment: str | None = None
    prune: bool = True
    allow_empty: bool = False
    replace: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()

    @property
    def environment_label(self) -> str:
        return self.environment or L.DEFAULT_ENVIRONMENT

    def as_items(self) -> tuple[tuple[str, Any], ...]:
        """What a saved plan records about how it was made (JSON-ready, sorted)."""
        return (
            ("allow_empty", self.allow_empty),
            ("prune", self.prune),
            ("replace", sorted(self.replace)),
            ("targets", sorted(self.targets)),
        )


@dataclass
class _Builder:
    options: DiffOptions
    changes: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.changes.append(change)


def is_owned(labels: Mapping[str, str], options: DiffOptions) -> bool:
    """Managed by us, for this project and environment, with a manifest name."""
    return (
        labels.get(L.MANAGED_BY) == L.MANAGED_BY_VALUE
        and labels.get(L.PROJECT) == options.project
        and labels.get(L.ENVIRONMENT) == options.environment_label
        and bool(labels.get(L.MANIFEST_NAME))
    )


def owned_state(live: LiveState, options: DiffOptions) -> LiveState:
    """Only what this project and environment own; one-shot runs started by a schedule are excluded."""
    return LiveState(
        scheduled=tuple(job for job in live.scheduled if is_owned(job.labels, options)),
        runs=tuple(run for run in live.runs
                   if is_owned(run.labels, options) and run.initiator_type != "scheduled-job"),
        namespaces=live.namespaces,
    )


def diff(desired: Sequence[JobSpec], live: LiveState, options: DiffOptions) -> Plan:
    """The plan that makes `live` match `desired`. Every spec must have its namespace resolved."""
    owned = owned_state(live, options)
    if options.targets:
        _check_targets(desired, owned, options.targets)
        desired = [spec for spec in desired if spec.name in options.targets]
        owned = LiveState(
            scheduled=tuple(j for j in owned.scheduled if j.labels[L.MANIFEST_NAME] in options.targets),
            runs=tuple(r for r in owned.runs if r.labels[L.MANIFEST_NAME] in options.targets),
            namespaces=owned.namespaces,
        )
    scheduled_by_name = _group(owned.scheduled)
    runs_by_name = _group(owned.runs)
    builder = _Builder(options)
    declared = {spec.name for spec in desired}
    for spec in desired:
        if spec.kind == "scheduled_job":
            _plan_scheduled(builder, spec, scheduled_by_name.get(spec.name, []))
            for run in runs_by_name.get(spec.name, []):
                if run.active:  # it used to be a one-shot job
                    _plan_removed_run(builder, run, "now a scheduled job: cancel the one-shot run")
        else:
            _plan_one_shot(builder, spec, runs_by_name.get(spec.name, []))
            for job in scheduled_by_name.get(spec.name, []):
                _plan_removed_scheduled(builder, job, "now a one-shot job")
    for name in sorted(set(scheduled_by_name) - declared):
        for job in scheduled_by_name[name]:
            _plan_removed_scheduled(builder, job, "not declared any more")
    for name in sorted(set(runs_by_name) - declared):
        for run in runs_by_name[name]:
            if run.active:
                _plan_removed_run(builder, run, "not declared any more: cancel the active run")
    changes = sorted(builder.changes, key=lambda change: change.sort_key)
    if not desired and not options.targets and not options.allow_empty:
        deleting = [c for c in changes if c.action == "delete"]
        if deleting:
            raise PlanError(
                f"no manifests were found, and the plan would delete all {len(deleting)} managed jobs of project "
                f"{options.project!r}; pass --allow-empty if that is really what you want"
            )
    return Plan(
        project=options.project,
        environment=options.environment,
        namespaces=tuple(sorted(live.namespaces)),
        changes=tuple(changes),
        desired_digest=desired_digest(desired, options),
        live_digest=live_digest(owned),
        options=options.as_items(),
    )


def _check_targets(desired: Sequence[JobSpec], owned: LiveState, targets: frozenset[str]) -> None:
    live: list[LiveScheduledJob | LiveRun] = [*owned.scheduled, *owned.runs]
    known = {spec.name for spec in desired} | {job.labels[L.MANIFEST_NAME] for job in live}
    unknown = sorted(targets - known)
    if unknown:
        raise PlanError(f"--target {', '.join(unknown)}: no such job in the manifests or on the Hub")


def _group(jobs: Iterable[LiveScheduledJob | LiveRun]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for job in jobs:
        grouped.setdefault(job.labels[L.MANIFEST_NAME], []).append(job)
    for items in grouped.values():
        items.sort(key=lambda job: (job.created_at is None, job.created_at, job.id))
    return grouped


# Scheduled jobs


def _plan_scheduled(builder: _Builder, spec: JobSpec, lives: list[LiveScheduledJob]) -> None:
    options = builder.options
    namespace = _namespace(spec)
    if not lives:
        builder.add(Change(spec.name, "scheduled_job", "create", "new scheduled job", namespace,
                           fields=_creation_fields(spec), operations=(Operation("create_scheduled", namespace),)))
        return
    keeper = _pick_keeper(spec, lives)
    for extra in lives:
        if extra is not keeper:
            builder.add(Change(spec.name, "scheduled_job", "delete",
                               f"duplicate: {len(lives)} scheduled jobs carry this name; keeping {keeper.id}",
                               extra.namespace, live_ids=(extra.id,),
                               operations=(Operation("delete_scheduled", extra.namespace, extra.id),)))
    forcing = _replacement_fields(spec, live_view(keeper.spec, keeper))
    reason = _replace_reason(spec, keeper.namespace, keeper.labels, options, forcing)
    if reason is not None:
        blocked = _protect_block(spec) if spec.protect else None
        builder.add(Change(spec.name, "scheduled_job", "replace", reason, namespace,
                           fields=forcing + _in_place_fields(spec, keeper, options), live_ids=(keeper.id,),
                           blocked=blocked, operations=(
                               Operation("create_scheduled", namespace),
                               Operation("delete_scheduled", keeper.namespace, keeper.id),
                           )))
        return
    fields = _in_place_fields(spec, keeper, options)
    if not fields:
        builder.add(Change(spec.name, "scheduled_job", "noop", "up to date", namespace, live_ids=(keeper.id,)))
        return
    operations: list[Operation] = []
    if keeper.schedule != spec.schedule:
        operations.append(Operation("reschedule", namespace, keeper.id, schedule=spec.schedule))
    if keeper.suspend != spec.suspend:
        operations.append(Operation("suspend" if spec.suspend else "resume", namespace, keeper.id))
    labels = labels_with_marker(spec, options.project, options.environment_label)
    operations.append(Operation("relabel_scheduled", namespace, keeper.id, labels=tuple(sorted(labels.items()))))
    drifted = keeper.labels.get(L.APPLIED) != applied_marker(keeper.schedule, keeper.suspend,
                                                             comparable_labels(keeper.labels))
    builder.add(Change(spec.name, "scheduled_job", "update", _update_reason(fields, drifted), namespace,
                       fields=fields, live_ids=(keeper.id,), operations=tuple(operations)))


def _pick_keeper(spec: JobSpec, lives: list[LiveScheduledJob]) -> LiveScheduledJob:
    """The one to keep among several: the same revision in the right namespace, else the oldest."""
    def rank(job: LiveScheduledJob) -> tuple[bool, bool]:
        return job.namespace != spec.namespace, job.labels.get(L.SPEC_HASH) != spec.hash_label

    return min(lives, key=rank)  # `lives` is sorted oldest first, and min keeps the first of equals


def _in_place_fields(spec: JobSpec, keeper: LiveScheduledJob, options: DiffOptions) -> tuple[FieldDiff, ...]:
    fields: list[FieldDiff] = []
    if keeper.schedule != spec.schedule:
        fields.append(FieldDiff("schedule", keeper.schedule, spec.schedule))
    if keeper.suspend != spec.suspend:
        fields.append(FieldDiff("suspend", keeper.suspend, spec.suspend))
    fields += _label_fields(hub_labels(spec, options.project, options.environment_label), keeper.labels)
    return tuple(fields)


def _label_fields(wanted: Mapping[str, str], live: Mapping[str, str]) -> list[FieldDiff]:
    current = comparable_labels(live)
    fields = []
    for key in sorted((set(wanted) | set(current)) - {L.SPEC_HASH}):  # the hash shows as field diffs instead
        if wanted.get(key) != current.get(key):
            name = "protect" if key == L.PROTECT else f"labels.{key}"
            fields.append(FieldDiff(name, current.get(key), wanted.get(key)))
    return fields


def _update_reason(fields: Sequence[FieldDiff], drifted: bool) -> str:
    if drifted:
        return "changed on the Hub since the last apply"
    names = sorted({f.field.split(".", 1)[0] for f in fields})
    return f"{', '.join(names)} changed"


# One-shot jobs


def _plan_one_shot(builder: _Builder, spec: JobSpec, runs: list[LiveRun]) -> None:
    options = builder.options
    namespace = _namespace(spec)
    current = [run for run in runs if run.namespace == namespace and run.labels.get(L.SPEC_HASH) == spec.hash_label]
    forced = spec.name in options.replace
    superseded = [run for run in runs if run.active and (forced or run not in current)]
    cancels = tuple(Operation("cancel", run.namespace, run.id) for run in superseded)
    if current and not forced:
        latest = current[-1]
        fields = tuple(_label_fields(hub_labels(spec, options.project, options.environment_label), latest.labels))
        for run in superseded:
            _plan_removed_run(builder, run, f"superseded by run {latest.id}: cancel it")
        if not fields:
            builder.add(Change(spec.name, "job", "noop", f"run {latest.id} has this revision ({latest.stage})",
                               namespace, live_ids=(latest.id,)))
            return
        labels = labels_with_marker(spec, options.project, options.environment_label)
        drifted = latest.labels.get(L.APPLIED) != applied_marker(None, None, comparable_labels(latest.labels))
        builder.add(Change(spec.name, "job", "update", _update_reason(fields, drifted), namespace, fields=fields,
                           live_ids=(latest.id,),
                           operations=(Operation("relabel_run", namespace, latest.id,
                                                 labels=tuple(sorted(labels.items()))),)))
        return
    previous = runs[-1] if runs else None
    if previous is None:
        fields, reason = _creation_fields(spec), "new job: start a run"
    else:
        fields = _replacement_fields(spec, live_view(previous.spec))
        reason = ("forced by --replace: start a new run" if forced
                  else _describe_replacement(fields, f"since run {previous.id}: start a new run"))
    run_op = Operation("run", namespace)
    if superseded:
        builder.add(Change(spec.name, "job", "replace", f"{reason}; cancel the active run", namespace,
                           fields=fields, live_ids=tuple(run.id for run in superseded),
                           blocked=_protect_block(spec) if spec.protect else None,
                           operations=(*cancels, run_op)))
    else:
        builder.add(Change(spec.name, "job", "create", reason, namespace, fields=fields,
                           live_ids=(previous.id,) if previous else (), operations=(run_op,)))


# Removals


def _plan_removed_scheduled(builder: _Builder, job: LiveScheduledJob, reason: str) -> None:
    name = job.labels[L.MANIFEST_NAME]
    if not builder.options.prune:
        builder.add(Change(name, "scheduled_job", "noop", f"{reason}; kept because pruning is off", job.namespace,
                           live_ids=(job.id,)))
        return
    blocked = _protect_label_block(job.labels)
    builder.add(Change(name, "scheduled_job", "delete", reason, job.namespace, live_ids=(job.id,), blocked=blocked,
                       fields=_removal_fields(live_view(job.spec, job)),
                       operations=(Operation("delete_scheduled", job.namespace, job.id),)))


def _plan_removed_run(builder: _Builder, run: LiveRun, reason: str) -> None:
    name = run.labels[L.MANIFEST_NAME]
    if not builder.options.prune and "not declared" in reason:
        builder.add(Change(name, "job", "noop", f"{reason}; kept because pruning is off", run.namespace,
                           live_ids=(run.id,)))
        return
    builder.add(Change(name, "job", "delete", reason, run.namespace, live_ids=(run.id,),
                       blocked=_protect_label_block(run.labels),
                       operations=(Operation("cancel", run.namespace, run.id),)))


# Field diffs and reasons


def _replace_reason(spec: JobSpec, namespace: str, labels: Mapping[str, str], options: DiffOptions,
                    fields: Sequence[FieldDiff]) -> str | None:
    """Why the live job cannot be kept, or None if it can."""
    if namespace != spec.namespace:
        return f"namespace changed ({namespace} -> {spec.namespace}): forces replacement"
    if spec.name in options.replace:
        return "forced by --replace"
    if labels.get(L.SPEC_HASH) != spec.hash_label:
        return _describe_replacement(fields, "forces replacement")
    return None


def _describe_replacement(fields: Sequence[FieldDiff], consequence: str) -> str:
    forcing = [f.field for f in fields if f.forces_replacement]
    if not forcing:
        return f"spec changed in fields the Hub does not report (such as timeout or secret sources): {consequence}"
    return f"{', '.join(forcing)} changed: {consequence}"


def _replacement_fields(spec: JobSpec, live: Mapping[str, Any]) -> tuple[FieldDiff, ...]:
    wanted = desired_view(spec)
    fields = []
    for key in sorted(set(wanted) | set(live)):
        if key not in live and key in ("timeout", "attempts"):
            continue  # the Hub does not report it; the spec hash still catches the change
        if wanted.get(key) != live.get(key):
            fields.append(FieldDiff(key, live.get(key), wanted.get(key), forces_replacement=True))
    return tuple(fields)


def _creation_fields(spec: JobSpec) -> tuple[FieldDiff, ...]:
    view = desired_view(spec)
    if spec.schedule is not None:
        view["schedule"] = spec.schedule
        view["suspend"] = spec.suspend
    view.update({f"labels.{k}": v for k, v in spec.labels})
    return tuple(FieldDiff(key, None, value) for key, value in sorted(view.items()) if value not in (None, [], {}))


def _removal_fields(view: Mapping[str, Any]) -> tuple[FieldDiff, ...]:
    return tuple(FieldDiff(key, value, None) for key, value in sorted(view.items()) if value not in (None, [], {}))


def _protect_block(spec: JobSpec) -> str:
    return f"{spec.name} has protect: true, which forbids replacing it; set protect: false to allow it"


def _protect_label_block(labels: Mapping[str, str]) -> str | None:
    if labels.get(L.PROTECT) != "true":
        return None
    return (f"{labels.get(L.MANIFEST_NAME)} was applied with protect: true, which forbids deleting it; "
            "declare it again with protect: false and apply, then remove it")


def _namespace(spec: JobSpec) -> str:
    if spec.namespace is None:
        raise PlanError(f"{spec.name}: namespace not resolved")  # callers resolve it before diffing
    return spec.namespace


# Fingerprints for saved plans


def desired_digest(specs: Sequence[JobSpec], options: DiffOptions) -> str:
    data = {
        "project": options.project,
        "environment": options.environment_label,
        "jobs": [{**spec.canonical(), "spec_hash": spec.spec_hash} for spec in sorted(specs, key=lambda s: s.name)],
    }
    return spec_hash(data)


def live_digest(owned: LiveState) -> str:
    scheduled = [
        {"id": j.id, "namespace": j.namespace, "labels": comparable_labels(j.labels), "schedule": j.schedule,
         "suspend": j.suspend, "concurrency": j.concurrency}
        for j in sorted(owned.scheduled, key=lambda j: j.id)
    ]
    runs = [
        {"id": r.id, "namespace": r.namespace, "labels": comparable_labels(r.labels), "active": r.active}
        for r in sorted(owned.runs, key=lambda r: r.id)
    ]
    return spec_hash({"scheduled": scheduled, "runs": runs})
