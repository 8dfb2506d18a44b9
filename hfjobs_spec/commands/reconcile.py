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
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hfjobs_spec import labels as L
from hfjobs_spec.commands.hub import HubSettings, hub_identity, open_backend
from hfjobs_spec.commands.manifests import ManifestSettings, load_checked, load_specs
from hfjobs_spec.commands.pricing import PricesInFlight
from hfjobs_spec.errors import HubNotFoundError, PolicyViolationError, ProtectedJobError, StalePlanError
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import Project
from hfjobs_spec.policy.model import LocatedViolation
from hfjobs_spec.policy.static import check_namespace
from hfjobs_spec.reconcile.cost_plan import with_costs
from hfjobs_spec.reconcile.diff import diff
from hfjobs_spec.reconcile.drift import DriftReport, find_drift
from hfjobs_spec.reconcile.execute import ApplyReport, ChangeEvent, Executor
from hfjobs_spec.reconcile.lease import Lease, LeaseSettings, LockInfo
from hfjobs_spec.reconcile.live import DiffOptions, LiveState, started_by_hand
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.plan_file import SavedPlan, check_same_plan
from hfjobs_spec.reconcile.policy_plan import PolicyInput, with_policy
from hfjobs_spec.reconcile.policy_report import BLOCK_PREFIX
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
    now: datetime | None = None  # the time costs are computed at (None: the current time)
    policy_overrides: tuple[str, ...] = ()  # policy rules accepted knowingly (--policy-override)


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


# How far a saved plan's own time may lie from now. It is the time its costs and cost rules were
# judged at, and apply judges them again at that time; unbounded, an edited `as_of` could move a run
# out of the 30-day window and let a change through `max_monthly_cost`.
SAVED_PLAN_MAX_AGE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)


def saved_plan_time(as_of: datetime, now: datetime) -> datetime:
    """The saved plan's `as_of` if it is a plausible time for it to have been made, else a stale plan."""
    if as_of > now + CLOCK_SKEW:
        raise StalePlanError(f"the saved plan was made in the future ({as_of:%Y-%m-%d %H:%M} UTC): plan again")
    if as_of < now - SAVED_PLAN_MAX_AGE:
        raise StalePlanError(f"the saved plan is more than {SAVED_PLAN_MAX_AGE.days} days old "
                             f"({as_of:%Y-%m-%d %H:%M} UTC): plan again")
    return as_of


def read_live(backend: HubBackend, namespaces: Sequence[str], project: str, specs: Sequence[JobSpec] = (),
              environment: str = L.DEFAULT_ENVIRONMENT, *, all_webhooks: bool = False) -> LiveState:
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
        # `all_webhooks` (destroy): always, since a webhook whose run left the listing is found no other way.
        wanted = all_webhooks or any(spec.on_hub is not None for spec in specs)
        hooks = pool.submit(backend.list_webhooks) if wanted else None
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
        policy_overrides=frozenset(settings.policy_overrides),
        foreign=project.foreign_prefixes,
    )


def make_plan(project: Project, specs: Sequence[JobSpec], backend: HubBackend, options: DiffOptions,
              environ: Mapping[str, str], *, hub: str = "", priced: bool = False,
              now: datetime | None = None, overridden: Sequence[LocatedViolation] | None = None) -> Planned:
    """Read the live state and diff it. Needs no secret value: it lists the variables apply will read.

    `priced`: also read the Hub's prices (side by side with the live state) and put the cost of every
    change in the plan, as of `now` (default: the current time). `overridden` (the static policy
    violations accepted by `options.policy_overrides`): also hold the plan to the project's policy.
    """
    default, resolved = resolve_namespaces(project, specs, backend)
    namespaces = {default, *project.prune_namespaces, *(spec.namespace for spec in resolved if spec.namespace)}
    with PricesInFlight(backend) if priced else nullcontext() as prices:
        live = read_live(backend, sorted(namespaces), project.id, resolved, options.environment_label)
        plan = diff(resolved, live, options)
        if prices is not None:
            plan = with_costs(plan, resolved, live, prices.result(), now or datetime.now(UTC))
    if overridden is not None:
        # A namespace that came from the token is known only now: allowed_namespaces is checked here.
        late = [found for spec in specs if spec.namespace is None
                for found in check_namespace(spec.name, default, project.policy)]
        plan = with_policy(plan, PolicyInput(project.policy, options.policy_overrides, tuple(overridden),
                                             tuple(late)))
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
                       targets=frozenset(recorded.targets), foreign=project.foreign_prefixes,
                       policy_overrides=frozenset(recorded.policy_overrides))


def check_not_blocked(plan: Plan) -> None:
    blocked = plan.blocked
    if not blocked:
        return
    reasons = "\n  ".join(dict.fromkeys(change.blocked or "" for change in blocked))  # once each, in order
    if all((change.blocked or "").startswith(BLOCK_PREFIX) for change in blocked):
        # One line: the error boundary prints messages as single lines (a newline could fake another).
        found = " | ".join(dict.fromkeys(change.blocked or "" for change in blocked))
        raise PolicyViolationError(f"the plan breaks the project's policy; nothing was changed (a reviewer may "
                                   f"accept a rule knowingly with --policy-override RULE): {found}")
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
    project, specs, overridden = load_checked(settings.manifests, environ, settings.policy_overrides)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        return make_plan(project, specs, backend, diff_options(settings, project), environ,
                         hub=hub_identity(settings.hub, backend), priced=True, now=settings.now,
                         overridden=overridden).plan


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
    overrides = saved.plan.options.policy_overrides if saved is not None else settings.policy_overrides
    project, specs, overridden = load_checked(settings.manifests, environ, overrides)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        project = with_default_namespace(project, backend)
        options = options_of(saved, project) if saved else diff_options(settings, project)
        # Plan inside the lease: a second apply plans only after the first is done, and finds it done.
        with project_lease(project, backend, settings).held():
            # A saved plan is priced again at its own time: only changed prices (or jobs) make it stale.
            now = settings.now
            if saved is not None and saved.plan.cost is not None:
                now = saved_plan_time(saved.plan.cost.as_of, settings.now or datetime.now(UTC))
            planned = make_plan(project, specs, backend, options, environ, hub=hub_identity(settings.hub, backend),
                                priced=True, now=now, overridden=overridden)
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


def run_status(settings: ReconcileSettings, environ: Mapping[str, str], names: Sequence[str] = ()) -> list[StatusRow]:
    """The status rows of the project (of `names` only, if given; an unknown name is an error)."""
    project, specs = load_specs(settings.manifests, environ)
    options = diff_options(settings, project)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        planned = make_plan(project, specs, backend, options, environ)
        rows = status_rows(planned.live, options, backend, planned.plan, planned.specs, names)
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
