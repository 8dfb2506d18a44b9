"""`cost` and `calendar`, end to end: declared jobs, the Hub's prices, and (for `cost --live`) the runs.

Requests: the hardware list, plus whoami when the project names no namespace; `--live` adds, per
namespace, the project's runs and its retired runs (earlier revisions), side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from hfjobs_spec import labels as L
from hfjobs_spec.commands.hub import open_backend
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.commands.pricing import read_prices
from hfjobs_spec.commands.reconcile import ReconcileSettings, namespaces_used, resolve_namespaces
from hfjobs_spec.hub.model import LiveRun
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.reconcile.calendar import Calendar, calendar
from hfjobs_spec.reconcile.cost_report import CostReport, cost_report


def run_cost(settings: ReconcileSettings, environ: Mapping[str, str], *, live: bool = False) -> CostReport:
    project, specs = load_specs(settings.manifests, environ)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        _, resolved = resolve_namespaces(project, specs, backend)
        now = settings.now or datetime.now(UTC)
        if not live:
            return cost_report(project.id, project.environment, resolved, read_prices(backend), now)
        namespaces = sorted({spec.namespace for spec in resolved if spec.namespace} | set(project.prune_namespaces))
        with ThreadPoolExecutor(max_workers=min(8, 2 * len(namespaces) + 1), thread_name_prefix="cost") as pool:
            prices = pool.submit(read_prices, backend)
            runs = [pool.submit(_managed_runs, backend, ns, project.id) for ns in namespaces]
            found = [run for future in runs for run in future.result()]
            return cost_report(project.id, project.environment, resolved, prices.result(), now, found)


def _managed_runs(backend: HubBackend, namespace: str, project: str) -> Sequence[LiveRun]:
    """The project's runs in `namespace`, including those of earlier revisions (relabelled as retired)."""
    current = backend.list_jobs(namespace, {L.PROJECT: project})
    return [*current, *backend.list_jobs(namespace, {L.RETIRED_FROM: project})]


def run_calendar(settings: ReconcileSettings, environ: Mapping[str, str], *, days: int) -> Calendar:
    project, specs = load_specs(settings.manifests, environ)
    with open_backend(settings.hub, project.root, namespaces_used(project, specs)) as backend:
        _, resolved = resolve_namespaces(project, specs, backend)
        return calendar(resolved, read_prices(backend), settings.now or datetime.now(UTC), days)
