"""`logs`, `wait` and `run`: operating the managed jobs by manifest name, each a plain function.

Every function opens its own connection to the Hub (with `--local`, its own embedded hub on the
same state), so waiting for runs never holds apply's lock. The watching ones are generators: the
CLI prints their events as they come.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hfjobs_spec import labels as L
from hfjobs_spec.commands.hub import open_backend
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.commands.reconcile import ReconcileSettings, diff_options, namespaces_used, resolve_namespaces
from hfjobs_spec.errors import HubConflictError, HubError, NoRunError, PlanError
from hfjobs_spec.hub.model import LiveRun
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import load_project
from hfjobs_spec.reconcile.execute import ApplyReport
from hfjobs_spec.reconcile.runs import given_run, hand_labels, latest_run, manifest_scheduled
from hfjobs_spec.reconcile.secrets import check_secrets, resolve_secrets
from hfjobs_spec.reconcile.translate import to_request
from hfjobs_spec.reconcile.watch import Pacer, RunEvent, RunRef, follow_logs, wait_for_runs


def _declared(specs: Sequence[JobSpec], name: str) -> JobSpec:
    for spec in specs:
        if spec.name == name:
            return spec
    close = difflib.get_close_matches(name, sorted(spec.name for spec in specs), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise PlanError(f"{name}: no such job in the manifests{hint}")


def _ref(spec: JobSpec, run: LiveRun) -> RunRef:
    return RunRef(spec.name, run.namespace, run.id, run.url, run.stage)


def _root(settings: ReconcileSettings) -> Path:
    """The project's root, where `--local` keeps the embedded hub's state."""
    return load_project(settings.manifests.project).root


def find_runs(settings: ReconcileSettings, environ: Mapping[str, str], names: Sequence[str], *,
              run_id: str | None = None) -> list[RunRef]:
    """The latest run of each job `names` (or, for one name, run `run_id` of it)."""
    project, specs = load_specs(settings.manifests, environ)
    wanted = [_declared(specs, name) for name in dict.fromkeys(names)]  # unknown names fail before the Hub
    options = diff_options(settings, project)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        _, resolved = resolve_namespaces(project, wanted, backend)
        if run_id is not None:
            return [_ref(spec, given_run(backend, spec, options, run_id)) for spec in resolved]
        return [_ref(spec, latest_run(backend, spec, options)) for spec in resolved]


def stream_logs(settings: ReconcileSettings, ref: RunRef, pacer: Pacer, *, follow: bool = False,
                tail: int | None = None) -> Iterator[str | RunEvent]:
    """The log lines of `ref` (with `follow`: and its stage changes, until it ends)."""
    with open_backend(settings.hub, _root(settings), (ref.namespace,)) as backend:
        yield from follow_logs(backend, ref, pacer, follow=follow, tail=tail)


def watch_runs(settings: ReconcileSettings, refs: Sequence[RunRef], pacer: Pacer, *,
               timeout: float | None = None) -> Iterator[RunEvent]:
    """Every stage change of `refs` until they end or `timeout` passes (see `reconcile.watch`)."""
    with open_backend(settings.hub, _root(settings), {ref.namespace for ref in refs}) as backend:
        yield from wait_for_runs(backend, refs, pacer, timeout=timeout)


def started_runs(report: ApplyReport) -> list[RunRef]:
    """The runs an apply started (one-shot jobs' new runs), in the report's order."""
    return [RunRef(result.change.name, result.change.namespace, run_id)
            for result in report.succeeded if result.change.kind == "job" for run_id in result.created]


@dataclass(frozen=True)
class StartedRun:
    """A run `run` started: `how` is "trigger" (the schedule's own spec) or "manifest" (a one-shot run
    of the manifest as rendered now); `note` says anything the user should know."""

    run: RunRef
    how: str
    note: str | None = None


def start_run(settings: ReconcileSettings, environ: Mapping[str, str], name: str, *,
              overrides: bool = False) -> StartedRun:
    """Run job `name` now, outside the revision rule; apply never cancels, retires or counts the run.

    A scheduled job is triggered on the Hub (its deployed spec, its schedule untouched), unless
    variables were given (`overrides`) that render it differently from the deployed revision: the
    Hub's trigger takes no parameters, so that runs the manifest as rendered, once.
    """
    project, specs = load_specs(settings.manifests, environ)
    spec = _declared(specs, name)
    options = diff_options(settings, project)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        spec = resolve_namespaces(project, [spec], backend)[1][0]
        if spec.kind == "scheduled_job":
            job = manifest_scheduled(backend, spec, options)
            if job is not None and not (overrides and job.labels.get(L.SPEC_HASH) != spec.hash_label):
                return _trigger(backend, spec, job.id, job.labels.get(L.SPEC_HASH) != spec.hash_label)
            if job is None and not overrides:
                raise NoRunError(f"{name} is not on the Hub yet: `hfjobs-spec apply` creates its schedule (or "
                                 "give --var to run the manifest once as it renders)")
        check_secrets([spec], environ, backend.token())
        request = to_request(spec, hand_labels(spec, options), resolve_secrets(spec, environ, backend.token()))
        assert spec.namespace is not None
        run = backend.run_job(spec.namespace, request)
        note = ("a one-shot run of the manifest as rendered with the variables given (the Hub's trigger "
                "runs only the deployed spec)") if spec.kind == "scheduled_job" else None
        return StartedRun(_ref(spec, run), "manifest", note)


def _trigger(backend: HubBackend, spec: JobSpec, job_id: str, other_revision: bool) -> StartedRun:
    assert spec.namespace is not None
    try:
        run = backend.trigger_scheduled_job(spec.namespace, job_id)
    except HubConflictError as exc:
        raise HubConflictError(f"{spec.name} has a run in progress and its schedule does not allow runs to overlap "
                               f"(concurrency: false); `hfjobs-spec wait {spec.name}` waits for it", job=exc.job,
                               status=exc.status) from exc
    labels = {**run.labels, L.STARTED_BY: L.STARTED_BY_HAND}
    try:
        backend.set_job_labels(spec.namespace, run.id, labels)
    except HubError as exc:
        raise HubError(f"run {run.id} of {spec.name} was started, but marking it as started by hand failed: "
                       f"{exc}", job=run.id) from exc
    note = ("the deployed revision ran: the manifest has changed since the last apply (apply deploys it)"
            if other_revision else None)
    return StartedRun(_ref(spec, dataclasses.replace(run, spec=dataclasses.replace(run.spec, labels=labels))),
                      "trigger", note)
