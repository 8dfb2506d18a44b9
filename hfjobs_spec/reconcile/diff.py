"""The diff: pure functions from desired specs and live state to a `Plan`.

Scheduled jobs are matched to manifests by their ownership labels. A different spec hash means
replace (the Hub cannot edit a job spec): create the new one, then delete the old. Schedule,
suspend and labels change in place. One-shot jobs run once per spec revision. Jobs without our
ownership labels, or of another project or environment, are never looked at.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.errors import PlanError
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.fields import (
    creation_fields,
    describe_replacement,
    label_fields,
    protect_block,
    protect_label_block,
    removal_fields,
    replace_reason,
    replacement_fields,
    update_reason,
)
from hfjobs_spec.reconcile.live import (
    DiffOptions,
    LiveState,
    desired_digest,
    is_unmanaged,
    live_digest,
    owned_state,
)
from hfjobs_spec.reconcile.plan import Change, Conflict, FieldDiff, Operation, Plan
from hfjobs_spec.reconcile.renames import finish, take_over
from hfjobs_spec.reconcile.translate import applied_marker, comparable_labels, hub_labels, labels_with_marker, live_view
from hfjobs_spec.reconcile.webhooks import attach_webhooks


@dataclass
class _Builder:
    options: DiffOptions
    changes: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.changes.append(change)


def diff(desired: Sequence[JobSpec], live: LiveState, options: DiffOptions) -> Plan:
    """The plan that makes `live` match `desired`. Every spec must have its namespace resolved."""
    owned = owned_state(live, options)
    _check_names(desired, owned, options)
    left_out: tuple[str, ...] = ()
    if options.targets:
        left_out = tuple(sorted({spec.name for spec in desired} - options.targets))
        desired = [spec for spec in desired if spec.name in options.targets]
        # A targeted job's previous names come along: the rename is part of planning it.
        wanted = options.targets | {old for spec in desired for old in spec.previous_names}
        owned = dataclasses.replace(
            owned,
            scheduled=tuple(j for j in owned.scheduled if j.labels[L.MANIFEST_NAME] in wanted),
            runs=tuple(r for r in owned.runs if r.labels[L.MANIFEST_NAME] in wanted),
        )
    scheduled_by_name = _group(owned.scheduled)
    runs_by_name = _group(owned.runs)
    renames = take_over(desired, scheduled_by_name, runs_by_name)
    builder = _Builder(options)
    declared = {spec.name for spec in desired}
    imports = _resolve_imports(desired, scheduled_by_name, runs_by_name, live, options)
    for spec in desired:
        adopted = imports.get(spec.name)
        if adopted is not None:
            _plan_import(builder, spec, adopted)
        elif spec.kind == "scheduled_job":
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
    finished = finish(builder.changes, renames, options.project, options.environment_label)
    changes = _grouped(sorted(attach_webhooks(finished, desired, owned, options, runs_by_name),
                              key=lambda change: change.sort_key), desired)
    if not desired and not options.targets and not options.allow_empty:
        deleting = [c for c in changes if c.action == "delete"]
        if deleting:
            raise PlanError(
                f"no manifests were found, and the plan would delete all {len(deleting)} managed jobs of project "
                f"{options.project!r}; pass --allow-empty if that is really what you want"
            )
    return Plan(
        conflicts=_conflicts(desired, changes, live, options),
        project=options.project,
        environment=options.environment,
        namespaces=tuple(sorted(live.namespaces)),
        changes=tuple(changes),
        desired_digest=desired_digest(desired, options),
        live_digest=live_digest(owned),
        options=options.requested,
        left_out=left_out,
    )


def _grouped(changes: list[Change], desired: Sequence[JobSpec]) -> list[Change]:
    """The changes of a matrix manifest's jobs name it, so that plans show them together."""
    groups = {spec.name: f"{spec.source.file}:{spec.source.line}" for spec in desired
              if spec.source is not None and spec.source.matrix}
    return [dataclasses.replace(change, group=groups[change.name]) if change.name in groups else change
            for change in changes]


def _conflicts(desired: Sequence[JobSpec], changes: Sequence[Change], live: LiveState,
               options: DiffOptions) -> tuple[Conflict, ...]:
    """Creates next to unmanaged objects of the same Hub name in the same namespace: never silent.

    A scheduled manifest is held against unmanaged scheduled jobs, a one-shot one against unmanaged
    runs a person started (runs a schedule started belong to that schedule). Jobs of other tools
    (foreign labels) are listed apart: they are never imported, so there is no `import` to suggest.
    """
    creating = {(c.name, c.kind) for c in changes if c.action == "create" and not c.live_ids}
    found: list[Conflict] = []
    for spec in desired:
        if (spec.name, spec.kind) not in creating:
            continue
        pool: Sequence[LiveScheduledJob | LiveRun] = (
            live.all_scheduled if spec.kind == "scheduled_job"
            else [run for run in live.named_runs if run.initiator_type != "scheduled-job"])
        same = [job for job in pool if job.namespace == spec.namespace and job.labels.get(L.HUB_NAME) == spec.name
                and L.LOCK not in job.labels]
        foreign = [job for job in same if L.foreign_label(job.labels, options.foreign) is not None]
        unmanaged = [job for job in same if is_unmanaged(job.labels) and job not in foreign]
        for group, marker in ((unmanaged, None), (foreign, "")):
            if not group:
                continue
            ordered = sorted({job.id: job for job in group}.values(),
                             key=lambda job: (job.created_at is None, job.created_at, job.id))
            label = None if marker is None else L.foreign_label(ordered[-1].labels, options.foreign)
            found.append(Conflict(spec.name, spec.kind, _namespace(spec), tuple(job.id for job in ordered), label))
    return tuple(sorted(found, key=lambda c: (c.namespace, c.name, c.foreign or "")))


def _check_names(desired: Sequence[JobSpec], owned: LiveState, options: DiffOptions) -> None:
    """`--target` and `--replace` must name jobs that exist; a typo is an error, with a suggestion."""
    live: list[LiveScheduledJob | LiveRun] = [*owned.scheduled, *owned.runs]
    known = {spec.name for spec in desired} | {job.labels[L.MANIFEST_NAME] for job in live}
    moved = {old: spec for spec in desired for old in spec.previous_names}
    for flag, names in (("--target", options.targets), ("--replace", options.replace)):
        for name in sorted(names & set(moved)):
            spec = moved[name]
            raise PlanError(f"{flag} {name}: renamed to {spec.name!r} ({_where(spec)}); use {flag} {spec.name}")
        for name in sorted(names - known):
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise PlanError(f"{flag} {name}: no such job in the manifests or on the Hub{hint}")


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
                           fields=creation_fields(spec), operations=(Operation("create_scheduled", namespace),)))
        return
    keeper = _pick_keeper(spec, lives)
    for extra in lives:
        if extra is not keeper:
            builder.add(Change(spec.name, "scheduled_job", "delete",
                               f"duplicate: {len(lives)} scheduled jobs carry this name; keeping {keeper.id}",
                               extra.namespace, live_ids=(extra.id,),
                               operations=(Operation("delete_scheduled", extra.namespace, extra.id),)))
    forcing = replacement_fields(spec, live_view(keeper.spec, keeper.concurrency))
    reason = replace_reason(spec, keeper.namespace, keeper.labels, options, forcing)
    if reason is not None:
        blocked = protect_block(spec) if spec.protect else None
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
    builder.add(Change(spec.name, "scheduled_job", "update", update_reason(fields, drifted), namespace,
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
    fields += label_fields(hub_labels(spec, options.project, options.environment_label), keeper.labels)
    return tuple(fields)


# Imports: adopting an unmanaged Hub object in place


def _where(spec: JobSpec) -> str:
    return f"{spec.source.file}:{spec.source.line}" if spec.source else spec.name


def _resolve_imports(desired: Sequence[JobSpec], scheduled_by_name: dict[str, list[Any]],
                     runs_by_name: dict[str, list[Any]], live: LiveState,
                     options: DiffOptions) -> dict[str, LiveScheduledJob | LiveRun]:
    """The unmanaged object each `import` names, for the manifests that own nothing yet.

    Once adopted, the job is owned under its manifest name and the key is inert. Anything else than
    exactly one unmanaged object of the manifest's kind in its namespace is an error at file:line.
    """
    found: dict[str, LiveScheduledJob | LiveRun] = {}
    claimed: dict[str, str] = {}
    for spec in desired:
        if spec.import_id is None and spec.import_name is None:
            continue
        owned = scheduled_by_name if spec.kind == "scheduled_job" else runs_by_name
        if owned.get(spec.name):
            continue  # already adopted (or created): `import` has nothing left to do
        target = _import_target(spec, live, options)
        if target.id in claimed:
            raise PlanError(f"{_where(spec)}: import: {target.id} is imported by {claimed[target.id]} too; "
                            "a Hub object can be adopted by one manifest only")
        claimed[target.id] = spec.name
        found[spec.name] = target
    return found


def _import_target(spec: JobSpec, live: LiveState, options: DiffOptions) -> LiveScheduledJob | LiveRun:
    where, namespace = _where(spec), _namespace(spec)
    scheduled = [job for job in live.all_scheduled if job.namespace == namespace]
    runs = [run for run in live.named_runs if run.namespace == namespace]
    wanted = "scheduled job" if spec.kind == "scheduled_job" else "job run"
    if spec.import_id is not None:
        ident = spec.import_id
        match: list[LiveScheduledJob | LiveRun] = [job for job in scheduled if job.id == ident]
        match += [run for run in runs if run.id == ident]
        if not match:
            raise PlanError(f"{where}: import: no job or scheduled job {ident} in namespace {namespace}")
        target = match[0]
        kind = "scheduled_job" if isinstance(target, LiveScheduledJob) else "job"
        if kind != spec.kind:
            what = "a scheduled job" if kind == "scheduled_job" else "a job run"
            hint = ("remove `schedule` to import a run" if spec.kind == "scheduled_job"
                    else "add its `schedule` to import a scheduled job")
            raise PlanError(f"{where}: import: {ident} is {what}, but this manifest declares a {wanted}; {hint}")
        _check_adoptable(where, target, options)
        return target
    name = spec.import_name
    candidates: list[LiveScheduledJob | LiveRun] = (
        [job for job in scheduled if job.labels.get(L.HUB_NAME) == name] if spec.kind == "scheduled_job"
        else [run for run in runs if run.labels.get(L.HUB_NAME) == name and run.initiator_type != "scheduled-job"])
    foreign = [job for job in candidates if L.foreign_label(job.labels, options.foreign) is not None]
    unmanaged = [job for job in candidates if is_unmanaged(job.labels) and job not in foreign]
    if len(unmanaged) == 1:
        return unmanaged[0]
    if not unmanaged and foreign:
        label = L.foreign_label(foreign[-1].labels, options.foreign)
        raise PlanError(f"{where}: import: the {wanted} named {name!r} in {namespace} ({foreign[-1].id}) belongs to "
                        f"another tool (label {label!r}); jobs of other tools are never imported by name")
    if not unmanaged:
        managed = f" ({len(candidates)} managed ones carry it, and are never adopted)" if candidates else ""
        raise PlanError(f"{where}: import: no unmanaged {wanted} named {name!r} in namespace {namespace}{managed}")
    ids = ", ".join(sorted(job.id for job in unmanaged))
    raise PlanError(f"{where}: import: {len(unmanaged)} unmanaged {wanted}s are named {name!r} in {namespace} "
                    f"({ids}); import one by id instead: `import: {{id: ...}}`")


def _check_adoptable(where: str, job: LiveScheduledJob | LiveRun, options: DiffOptions) -> None:
    labels = job.labels
    if L.LOCK in labels:
        raise PlanError(f"{where}: import: {job.id} is the apply lock of a project, not a job")
    label = L.foreign_label(labels, options.foreign)
    if label is not None:
        raise PlanError(f"{where}: import: {job.id} belongs to another tool (label {label!r}), which may still use "
                        "it; jobs of other tools are never adopted. To take it over anyway, remove that label on "
                        "the Hub first (`hf jobs labels` / `hf jobs scheduled labels`)")
    if is_unmanaged(labels):
        return
    project = labels.get(L.PROJECT) or labels.get(L.RETIRED_FROM)
    environment = labels.get(L.ENVIRONMENT, L.DEFAULT_ENVIRONMENT)
    if project == options.project and environment == options.environment_label:
        raise PlanError(f"{where}: import: {job.id} is already managed by this project (as "
                        f"{labels.get(L.MANIFEST_NAME)!r}); remove `import`")
    raise PlanError(f"{where}: import: {job.id} is managed by project {project!r} environment {environment!r}; "
                    "a job of another project or environment is never adopted")


def _plan_import(builder: _Builder, spec: JobSpec, job: LiveScheduledJob | LiveRun) -> None:
    """Stamp the ownership labels in place (same id, history kept), then what the manifest still asks."""
    options = builder.options
    namespace = _namespace(spec)
    # Ownership without the spec hash: if a replacement must follow and fails halfway, the next plan
    # sees a job of this project of no known revision, and replaces it.
    owned = {**job.labels, L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: options.project,
             L.ENVIRONMENT: options.environment_label, L.MANIFEST_NAME: spec.name}
    final = tuple(sorted(labels_with_marker(spec, options.project, options.environment_label).items()))
    wanted = hub_labels(spec, options.project, options.environment_label)
    if isinstance(job, LiveScheduledJob):
        what = f"import scheduled job {job.id} (made without hfjobs-spec)"
        forcing = replacement_fields(spec, live_view(job.spec, job.concurrency))
        in_place = _in_place_fields(spec, dataclasses.replace(job, spec=dataclasses.replace(job.spec, labels=owned)),
                                    options)
        if forcing:
            operations: tuple[Operation, ...] = (
                Operation("import_scheduled", namespace, job.id, labels=tuple(sorted(owned.items()))),
                Operation("create_scheduled", namespace), Operation("delete_scheduled", namespace, job.id))
            builder.add(Change(spec.name, "scheduled_job", "import",
                               f"{what}, then replace it: {describe_replacement(forcing, 'forces replacement')}",
                               namespace, fields=forcing + in_place, live_ids=(job.id,),
                               blocked=protect_block(spec) if spec.protect else None, operations=operations))
            return
        ops = [Operation("import_scheduled", namespace, job.id, labels=final)]
        if job.schedule != spec.schedule:
            ops.append(Operation("reschedule", namespace, job.id, schedule=spec.schedule))
        if job.suspend != spec.suspend:
            ops.append(Operation("suspend" if spec.suspend else "resume", namespace, job.id))
        then = f"; then update in place: {update_reason(in_place, False)}" if in_place else ""
        builder.add(Change(spec.name, "scheduled_job", "import", what + then, namespace, fields=in_place,
                           live_ids=(job.id,), operations=tuple(ops)))
        return
    what = f"import job run {job.id} ({job.stage}, made without hfjobs-spec)"
    forcing = replacement_fields(spec, live_view(job.spec))
    labels = tuple(label_fields(wanted, owned))
    if forcing:
        retired = {key: value for key, value in owned.items() if key != L.PROJECT}
        retired[L.RETIRED_FROM] = options.project
        run_ops = (Operation("import_run", namespace, job.id, labels=tuple(sorted(owned.items()))),
                   *((Operation("cancel", namespace, job.id),) if job.active else ()),
                   Operation("run", namespace),
                   Operation("relabel_run", namespace, job.id, labels=tuple(sorted(retired.items()))))
        cancel = "; cancel it" if job.active else ""
        builder.add(Change(spec.name, "job", "import",
                           f"{what}, then {describe_replacement(forcing, 'start a new run')}{cancel}", namespace,
                           fields=forcing, live_ids=(job.id,),
                           blocked=protect_block(spec) if spec.protect and job.active else None, operations=run_ops))
        return
    then = f"; then update in place: {update_reason(labels, False)}" if labels else ""
    builder.add(Change(spec.name, "job", "import", what + then, namespace, fields=labels, live_ids=(job.id,),
                       operations=(Operation("import_run", namespace, job.id, labels=final),)))


# One-shot jobs


def _plan_one_shot(builder: _Builder, spec: JobSpec, runs: list[LiveRun]) -> None:
    options = builder.options
    namespace = _namespace(spec)
    current = [run for run in runs if run.namespace == namespace and run.labels.get(L.SPEC_HASH) == spec.hash_label]
    forced = spec.name in options.replace
    superseded = [run for run in runs if run.active and (forced or run not in current)]
    cancels = tuple(Operation("cancel", run.namespace, run.id) for run in superseded)
    if current and not forced:
        # Two applies at once may both have started this revision: keep the oldest active run.
        active = [run for run in current if run.active]
        latest = active[0] if active else current[-1]
        fields = tuple(label_fields(hub_labels(spec, options.project, options.environment_label), latest.labels))
        for run in superseded:
            _plan_removed_run(builder, run, f"superseded by run {latest.id}: cancel it", retire_it=True)
        for run in active[1:]:
            _plan_removed_run(builder, run, f"duplicate run of this revision; keeping {latest.id}: cancel it",
                              protected=False)
        _plan_retired(builder, spec, [run for run in runs if run not in current and not run.active])
        if not fields:
            builder.add(Change(spec.name, "job", "noop", f"run {latest.id} has this revision ({latest.stage})",
                               namespace, live_ids=(latest.id,)))
            return
        labels = labels_with_marker(spec, options.project, options.environment_label)
        drifted = latest.labels.get(L.APPLIED) != applied_marker(None, None, comparable_labels(latest.labels))
        builder.add(Change(spec.name, "job", "update", update_reason(fields, drifted), namespace, fields=fields,
                           live_ids=(latest.id,),
                           operations=(Operation("relabel_run", namespace, latest.id,
                                                 labels=tuple(sorted(labels.items()))),)))
        return
    previous = runs[-1] if runs else None
    if previous is None:
        fields, reason = creation_fields(spec), "new job: start a run"
    else:
        fields = replacement_fields(spec, live_view(previous.spec))
        reason = ("forced by --replace: start a new run" if forced
                  else describe_replacement(fields, f"since run {previous.id}: start a new run"))
    # Once the new run exists, the earlier ones leave the project's listing (see `retire`).
    run_ops = (Operation("run", namespace), *(retire(run) for run in runs))
    if superseded:
        builder.add(Change(spec.name, "job", "replace", f"{reason}; cancel the active run", namespace,
                           fields=fields, live_ids=tuple(run.id for run in superseded),
                           blocked=protect_block(spec) if spec.protect else None,
                           operations=(*cancels, *run_ops)))
    else:
        builder.add(Change(spec.name, "job", "create", reason, namespace, fields=fields,
                           live_ids=(previous.id,) if previous else (), operations=run_ops))


def retire(run: LiveRun) -> Operation:
    """Relabel a run of an earlier revision so that the project's label filter no longer lists it.

    A plan lists every run carrying the project label, page after page; without this, its wait would
    grow with every revision ever run. The run keeps all its other labels and stays on the Hub.
    """
    labels = {key: value for key, value in run.labels.items() if key != L.PROJECT}
    labels[L.RETIRED_FROM] = run.labels[L.PROJECT]
    return Operation("relabel_run", run.namespace, run.id, labels=tuple(sorted(labels.items())))


def _plan_retired(builder: _Builder, spec: JobSpec, finished: list[LiveRun]) -> None:
    """Finished runs of earlier revisions still listed (made before runs were retired): retire them.

    One change per run, so that apply relabels them side by side rather than one after another.
    """
    for run in finished:
        builder.add(Change(spec.name, "job", "update",
                           f"run {run.id} of an earlier revision: relabel it out of the project's listing (it stays "
                           "on the Hub)", run.namespace, live_ids=(run.id,), operations=(retire(run),)))


# Removals


def _plan_removed_scheduled(builder: _Builder, job: LiveScheduledJob, reason: str) -> None:
    name = job.labels[L.MANIFEST_NAME]
    if not builder.options.prune:
        builder.add(Change(name, "scheduled_job", "noop", f"{reason}; kept because pruning is off", job.namespace,
                           live_ids=(job.id,)))
        return
    blocked = protect_label_block(job.labels)
    builder.add(Change(name, "scheduled_job", "delete", reason, job.namespace, live_ids=(job.id,), blocked=blocked,
                       fields=removal_fields(live_view(job.spec, job.concurrency)),
                       operations=(Operation("delete_scheduled", job.namespace, job.id),)))


def _plan_removed_run(builder: _Builder, run: LiveRun, reason: str, *, protected: bool = True,
                      retire_it: bool = False) -> None:
    """Cancel `run` (and `retire_it`, for an earlier revision). `protected=False` for a duplicate: the job
    itself lives on in the run that is kept."""
    name = run.labels[L.MANIFEST_NAME]
    if not builder.options.prune and "not declared" in reason:
        builder.add(Change(name, "job", "noop", f"{reason}; kept because pruning is off", run.namespace,
                           live_ids=(run.id,)))
        return
    builder.add(Change(name, "job", "delete", reason, run.namespace, live_ids=(run.id,),
                       blocked=protect_label_block(run.labels) if protected else None,
                       operations=(Operation("cancel", run.namespace, run.id),
                                   *((retire(run),) if retire_it else ()))))


def _namespace(spec: JobSpec) -> str:
    if spec.namespace is None:
        raise PlanError(f"{spec.name}: namespace not resolved")  # callers resolve it before diffing
    return spec.namespace


