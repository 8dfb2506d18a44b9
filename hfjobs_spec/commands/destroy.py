"""`destroy`: remove every managed job of the project environment, end to end, as a plain function.

It shares apply's machinery: the lease (planned inside it), the executor, the protect refusal, and
a `confirm` callback that raises to cancel. The manifests are read only to learn the namespaces
they name; when they do not load, destroy goes on from the project file's namespaces and says so.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hfjobs_spec import labels as L
from hfjobs_spec.commands.hub import hub_identity, open_backend
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.commands.reconcile import (
    ReconcileSettings,
    check_not_blocked,
    diff_options,
    namespaces_used,
    project_lease,
    read_live,
    resolve_namespaces,
    with_default_namespace,
)
from hfjobs_spec.errors import ManifestErrors
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import load_project
from hfjobs_spec.reconcile.destroy import DestroyPlan, plan_destroy
from hfjobs_spec.reconcile.execute import ApplyReport, ChangeEvent, Executor


@dataclass(frozen=True)
class DestroyOutcome:
    """The destroy plan carried out (or that would have been), and the report; None when nothing was to do."""

    planned: DestroyPlan
    report: ApplyReport | None


def run_destroy(settings: ReconcileSettings, environ: Mapping[str, str], *,
                confirm: Callable[[DestroyPlan], None], parallelism: int,
                on_event: Callable[[ChangeEvent], None] | None = None,
                stop: threading.Event | None = None) -> DestroyOutcome:
    project = load_project(settings.manifests.project)
    specs: tuple[JobSpec, ...] = ()
    try:
        project, specs = load_specs(settings.manifests, environ)
    except ManifestErrors as exc:
        if settings.hub.notify is not None:
            settings.hub.notify(f"the manifests do not load ({len(exc.issues)} problem"
                                f"{'s' if len(exc.issues) != 1 else ''}); destroying from the Hub's labels in the "
                                "namespaces the project file names")
    options = dataclasses.replace(diff_options(settings, project), prune=True, allow_empty=True, replace=frozenset())
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        project = with_default_namespace(project, backend)
        assert project.namespace is not None
        _, resolved = resolve_namespaces(project, specs, backend)
        namespaces = {project.namespace, *project.prune_namespaces, *(s.namespace for s in resolved if s.namespace)}
        with project_lease(project, backend, settings).held():
            live = read_live(backend, sorted(namespaces), project.id, (), options.environment_label, all_webhooks=True)
            planned = plan_destroy(live, options)
            planned = dataclasses.replace(planned, plan=dataclasses.replace(planned.plan,
                                                                            hub=hub_identity(settings.hub, backend)))
            check_not_blocked(planned.plan)
            if not planned.plan.has_changes:
                return DestroyOutcome(planned, None)
            confirm(planned)
            executor = Executor(backend, {}, project=project.id,
                                environment=project.environment or L.DEFAULT_ENVIRONMENT, environ=environ,
                                parallelism=parallelism, on_event=on_event)
            return DestroyOutcome(planned, executor.run(planned.plan.pending, stop))
