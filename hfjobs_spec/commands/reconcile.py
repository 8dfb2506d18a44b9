"""`plan`, `apply`, `status` and `drift`: the steps the CLI strings together, each a plain function.

The live state is read with the fewest requests possible: per namespace, one scheduled-jobs list
(unfiltered: it also shows the unmanaged look-alikes) and one (paginated) jobs list filtered on the
project label by the Hub; one runs lookup by Hub name per one-shot manifest without a run yet; plus
at most one whoami when a namespace has to come from the token.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hfjobs_spec import labels as L
from hfjobs_spec.commands.hub import HubSettings, hub_identity, open_backend
from hfjobs_spec.commands.manifests import ManifestSettings, load_specs
from hfjobs_spec.errors import HubNotFoundError, ProtectedJobError
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import Project
from hfjobs_spec.reconcile.diff import diff
from hfjobs_spec.reconcile.drift import DriftReport, find_drift
from hfjobs_spec.reconcile.execute import ApplyReport, ChangeEvent, Executor
from hfjobs_spec.reconcile.lease import Lease, LeaseSettings, LockInfo
from hfjobs_spec.reconcile.live import DiffOptions, LiveState, started_by_hand
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.plan_file import SavedPlan, check_same_plan
from hfjobs_spec.reconcile.secrets import check_secrets, secret_reads, unset_variables
from hfjobs_spec.reconcile.status import StatusRow, status_rows


@dataclass(frozen=True)
class ReconcileSettings:
    """Everything `plan` and `apply` were asked to do. `prune` None means: as the project file says."""

    manifests: ManifestSettings
    hub: HubSettings = field(default_factory=HubSettings)
    prune: bool | None = None
    allow_empty: bool = False
    replace: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    lease: LeaseSettings = field(default_factory=LeaseSettings)


@dataclass(frozen=True)
class Planned:
    """A plan with what it was made from; `specs` have their namespaces resolved."""

    project: Project
    specs: tuple[JobSpec, ...]
    live: LiveState
    plan: Plan


def namespaces_used(project: Project, specs: Sequence[JobSpec]) -> set[str]:
    """The namespaces named by the project and its jobs (the token's own may be added at run time)."""
    return {ns for ns in (project.namespace, *project.prune_namespaces, *(spec.namespace for spec in specs)) if ns}


def resolve_namespaces(project: Project, specs: Sequence[JobSpec],
                       backend: HubBackend) -> tuple[str, tuple[JobSpec, ...]]:
    """The default namespace (asking whoami only if nothing names one) and the specs with theirs set."""
    default = project.namespace or backend.whoami()
    resolved = tuple(spec if spec.namespace else dataclasses.replace(spec, namespace=default) for spec in specs)
    return default, resolved


def read_live(backend: HubBackend, namespaces: Sequence[str], project: str, specs: Sequence[JobSpec] = (),
              environment: str = L.DEFAULT_ENVIRONMENT) -> LiveState:
    """Both lists of every namespace, fetched side by side (they are independent requests).

    The scheduled-jobs list is read unfiltered (the Hub does not paginate it) and filtered on the
    project label here: the same one request finds the project's jobs, the unmanaged look-alikes and
    the scheduled jobs to import. Then, only for the one-shot `specs` with no run of the project
    environment listed, the runs carrying their Hub name (or their `import` name) are looked up, and
    an `import` id not found in the lists is inspected: one request each, side by side.
    """
    ordered = sorted(set(namespaces))
    with ThreadPoolExecutor(max_workers=min(8, 2 * len(ordered)) or 1, thread_name_prefix="read") as pool:
        scheduled = [pool.submit(backend.list_scheduled_jobs, ns, {}) for ns in ordered]
        runs = [pool.submit(backend.list_jobs, ns, {L.PROJECT: project}) for ns in ordered]
        # Declared triggers are known before any answer: their one list goes out with the others.
        hooks = pool.submit(backend.list_webhooks) if any(spec.on_hub is not None for spec in specs) else None
        every = tuple(job for future in scheduled for job in future.result())
        listed = tuple(run for future in runs for run in future.result())
        webhooks = tuple(hooks.result()) if hooks is not None else ()
    if hooks is None and any(run.labels.get(L.WEBHOOK) for run in listed):
        webhooks = tuple(backend.list_webhooks())  # a manifest with a webhook was removed: find it to prune it
    named = _named_runs(backend, specs, every, listed, (project, environment))
    return LiveState(
        scheduled=tuple(job for job in every if job.labels.get(L.PROJECT) == project),
        runs=listed,
        namespaces=tuple(ordered),
        all_scheduled=every,
        named_runs=named,
        webhooks=webhooks,
    )


def _named_runs(backend: HubBackend, specs: Sequence[JobSpec], every: Sequence[LiveScheduledJob],
                listed: Sequence[LiveRun], owner: tuple[str, str]) -> tuple[LiveRun, ...]:
    """Runs found by Hub name (look-alikes, `import: {name}`) or by id (`import: {id}`), for the
    manifests that own nothing yet: a bounded number of requests, made side by side."""
    def owns(labels: Mapping[str, str]) -> bool:
        return (labels.get(L.PROJECT), labels.get(L.ENVIRONMENT)) == owner and L.MANAGED_BY in labels

    # A run started by hand is not the manifest's (reconcile.live.is_revision_run).
    runs = {(run.namespace, run.labels.get(L.MANIFEST_NAME)) for run in listed
            if owns(run.labels) and not started_by_hand(run.labels)}
    jobs = {(job.namespace, job.labels.get(L.MANIFEST_NAME)) for job in every if owns(job.labels)}
    known = {job.id for job in every}
    by_name: set[tuple[str, str]] = set()
    by_id: set[tuple[str, str]] = set()
    for spec in specs:
        ns = spec.namespace
        if ns is None or (ns, spec.name) in (runs if spec.kind == "job" else jobs):
            continue
        if any((ns, old) in runs or (ns, old) in jobs for old in spec.previous_names):
            continue  # a rename takes over what the old name owns: nothing is created, nothing to look up
        if spec.import_id is not None:
            if spec.kind == "job" or spec.import_id not in known:  # a run, or the wrong kind: ask
                by_id.add((ns, spec.import_id))
        elif spec.kind == "job":
            by_name.add((ns, spec.import_name or spec.name))
    if not by_name and not by_id:
        return ()
    with ThreadPoolExecutor(max_workers=min(8, len(by_name) + len(by_id)), thread_name_prefix="lookup") as pool:
        named = [pool.submit(backend.list_jobs, ns, {L.HUB_NAME: name}) for ns, name in sorted(by_name)]
        inspected = [pool.submit(_inspect, backend, ns, job_id) for ns, job_id in sorted(by_id)]
        found = [run for future in named for run in future.result()]
        found += [run for future in inspected if (run := future.result()) is not None]
    return tuple({run.id: run for run in found}.values())


def _inspect(backend: HubBackend, namespace: str, job_id: str) -> LiveRun | None:
    try:
        return backend.inspect_job(namespace, job_id)
    except HubNotFoundError:
        return None  # the diff says so, at the manifest's line


def diff_options(settings: ReconcileSettings, project: Project) -> DiffOptions:
    return DiffOptions(
        project=project.id,
        environment=project.environment,
        prune=project.prune if settings.prune is None else settings.prune,
        allow_empty=settings.allow_empty,
        replace=frozenset(settings.replace),
        targets=frozenset(settings.targets),
        foreign=project.foreign_prefixes,
    )


def make_plan(project: Project, specs: Sequence[JobSpec], backend: HubBackend, options: DiffOptions,
              environ: Mapping[str, str], *, hub: str = "") -> Planned:
    """Read the live state and diff it. Needs no secret value: it lists the variables apply will read."""
    default, resolved = resolve_namespaces(project, specs, backend)
    namespaces = {default, *project.prune_namespaces, *(spec.namespace for spec in resolved if spec.namespace)}
    live = read_live(backend, sorted(namespaces), project.id, resolved, options.environment_label)
    plan = diff(resolved, live, options)
    creating = specs_to_create(plan, resolved)
    plan = dataclasses.replace(plan, reads=secret_reads(creating),
                               unset=unset_variables(creating, environ, backend.token()),
                               hub=hub)
    return Planned(project=project, specs=resolved, live=live, plan=plan)


def specs_to_create(plan: Plan, specs: Sequence[JobSpec]) -> list[JobSpec]:
    """The specs whose changes send a new job to the Hub (and so need their secrets)."""
    sending = ("create_scheduled", "run", "create_webhook", "update_webhook")  # webhooks carry the secrets too
    names = {c.name for c in plan.pending if any(op.kind in sending for op in c.operations)}
    return [spec for spec in specs if spec.name in names]


def options_of(saved: SavedPlan, project: Project) -> DiffOptions:
    """The options a saved plan was made with."""
    recorded = saved.plan.options
    return DiffOptions(project=project.id, environment=project.environment, prune=recorded.prune,
                       allow_empty=recorded.allow_empty, replace=frozenset(recorded.replace),
                       targets=frozenset(recorded.targets), foreign=project.foreign_prefixes)


def check_not_blocked(plan: Plan) -> None:
    blocked = plan.blocked
    if blocked:
        reasons = "\n  ".join(change.blocked or "" for change in blocked)
        raise ProtectedJobError(f"the plan would delete or replace protected jobs; nothing was changed:\n  {reasons}")


def execute(planned: Planned, backend: HubBackend, environ: Mapping[str, str], *, parallelism: int,
            on_event: Callable[[ChangeEvent], None] | None = None, stop: threading.Event | None = None) -> ApplyReport:
    """Carry out the plan computed in `planned`: never operations read from anywhere else."""
    plan = planned.plan
    check_not_blocked(plan)
    check_secrets(specs_to_create(plan, planned.specs), environ, backend.token())
    executor = Executor(backend, {spec.name: spec for spec in planned.specs}, project=planned.project.id,
                        environment=planned.project.environment or L.DEFAULT_ENVIRONMENT, environ=environ,
                        parallelism=parallelism, on_event=on_event)
    return executor.run(plan.pending, stop)


# The three commands, end to end. The CLI only adds printing, prompting and exit codes.


def run_plan(settings: ReconcileSettings, environ: Mapping[str, str]) -> Plan:
    project, specs = load_specs(settings.manifests, environ)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        return make_plan(project, specs, backend, diff_options(settings, project), environ,
                         hub=hub_identity(settings.hub, backend)).plan


@dataclass(frozen=True)
class ApplyOutcome:
    """The plan that was (or would have been) carried out, and the report; None when nothing was to do."""

    plan: Plan
    report: ApplyReport | None


def run_apply(settings: ReconcileSettings, environ: Mapping[str, str], *, saved: SavedPlan | None,
              confirm: Callable[[Plan], None], parallelism: int,
              on_event: Callable[[ChangeEvent], None] | None = None,
              stop: threading.Event | None = None) -> ApplyOutcome:
    """Plan afresh, hold it against `saved` if given, let `confirm` see it (it raises to cancel), apply it.

    What is carried out is always the plan computed here; a saved plan only has to be equal to it.
    """
    project, specs = load_specs(settings.manifests, environ)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        project = with_default_namespace(project, backend)
        options = options_of(saved, project) if saved else diff_options(settings, project)
        # Plan inside the lease: a second apply plans only after the first is done, and finds it done.
        with project_lease(project, backend, settings).held():
            planned = make_plan(project, specs, backend, options, environ, hub=hub_identity(settings.hub, backend))
            if saved is not None:
                check_same_plan(saved, planned.plan)
            check_not_blocked(planned.plan)
            if not planned.plan.has_changes:
                return ApplyOutcome(planned.plan, None)
            confirm(planned.plan)
            return ApplyOutcome(planned.plan, execute(planned, backend, environ, parallelism=parallelism,
                                                      on_event=on_event, stop=stop))


def with_default_namespace(project: Project, backend: HubBackend) -> Project:
    """The project with its default namespace set (from the token's user when the project names none)."""
    return project if project.namespace else dataclasses.replace(project, namespace=backend.whoami())


def project_lease(project: Project, backend: HubBackend, settings: ReconcileSettings) -> Lease:
    assert project.namespace is not None  # with_default_namespace ran
    return Lease(backend, project.namespace, project.id, project.environment or L.DEFAULT_ENVIRONMENT,
                 settings=settings.lease, notify=settings.hub.notify)


def run_force_unlock(settings: ReconcileSettings, environ: Mapping[str, str], lock_id: str) -> LockInfo:
    """Delete the lease `lock_id` of this project environment, left behind by an apply that died."""
    project, specs = load_specs(settings.manifests, environ)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        project = with_default_namespace(project, backend)
        return project_lease(project, backend, settings).force_unlock(lock_id)


def run_status(settings: ReconcileSettings, environ: Mapping[str, str]) -> list[StatusRow]:
    project, specs = load_specs(settings.manifests, environ)
    options = diff_options(settings, project)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        planned = make_plan(project, specs, backend, options, environ)
        rows = status_rows(planned.live, options, backend, planned.plan)
    if settings.hub.local:  # the embedded Hub's address dies with this command; keep the stable part
        rows = [dataclasses.replace(row, url=f"local:jobs/{row.namespace}/{row.last_run_id}") if row.url else row
                for row in rows]
    return rows


def run_drift(settings: ReconcileSettings, environ: Mapping[str, str]) -> DriftReport:
    """What changed on the Hub behind git's back. Reads like plan (no secret value needed); plan's
    unfiltered scheduled-jobs list finds the unmanaged copies of declared jobs."""
    project, specs = load_specs(settings.manifests, environ)
    options = diff_options(settings, project)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        planned = make_plan(project, specs, backend, options, environ)
    return find_drift(planned.specs, planned.live, planned.plan, options, planned.live.all_scheduled)
