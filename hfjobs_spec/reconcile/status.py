"""`status`: every managed job of the project on the Hub, with its schedule and its last run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HubNotFoundError
from hfjobs_spec.hub.model import LiveRun, LiveWebhook
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.reconcile.live import DiffOptions, LiveState, is_owned, is_revision_run, owns_webhook
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.webhook_marker import parse_marker


@dataclass(frozen=True)
class StatusRow:
    name: str
    kind: str
    namespace: str
    id: str
    schedule: str | None
    suspended: bool | None
    next_run_at: datetime | None
    last_run_id: str | None
    last_run_stage: str | None
    last_run_at: datetime | None
    url: str | None
    sync: str  # "in sync", or the pending plan action, or "unknown"
    webhook: LiveWebhook | None = None  # the managed webhook that starts the job (`on: hub:`)


def status_rows(live: LiveState, options: DiffOptions, backend: HubBackend, plan: Plan | None) -> list[StatusRow]:
    """Rows for the owned jobs in `live`; the last run of a schedule is inspected only if not listed."""
    runs_by_id = {run.id: run for run in live.runs}
    pending = {} if plan is None else {c.name: c.action for c in plan.pending}
    rows: list[StatusRow] = []
    for job in live.scheduled:
        if not is_owned(job.labels, options):
            continue
        last = _run(backend, job.namespace, job.last_run_id, runs_by_id)
        name = job.labels[L.MANIFEST_NAME]
        rows.append(StatusRow(
            name=name, kind="scheduled_job", namespace=job.namespace, id=job.id, schedule=job.schedule,
            suspended=job.suspend, next_run_at=None if job.suspend else job.next_run_at,
            last_run_id=job.last_run_id, last_run_stage=last.stage if last else None,
            last_run_at=job.last_run_at or (last.created_at if last else None),
            url=last.url if last else None, sync=_sync(name, pending, plan),
        ))
    latest: dict[str, LiveRun] = {}
    for run in live.runs:
        if is_revision_run(run, options):
            name = run.labels[L.MANIFEST_NAME]
            if name not in latest or _newer(run, latest[name]):
                latest[name] = run
    hooks = {}
    for hook in sorted(live.webhooks, key=lambda h: h.id, reverse=True):  # the first one wins, as in plan
        marker = parse_marker(hook.marker) if owns_webhook(hook, options) else None
        if marker is not None:
            hooks[marker.name] = hook
    for name, run in latest.items():
        rows.append(StatusRow(
            name=name, kind="job", namespace=run.namespace, id=run.id, schedule=None, suspended=None,
            next_run_at=None, last_run_id=run.id, last_run_stage=run.stage, last_run_at=run.created_at, url=run.url,
            sync=_sync(name, pending, plan), webhook=hooks.get(name),
        ))
    return sorted(rows, key=lambda row: (row.name, row.kind, row.id))


def _sync(name: str, pending: Mapping[str, str], plan: Plan | None) -> str:
    if plan is None:
        return "unknown"
    action = pending.get(name)
    return f"pending {action}" if action else "in sync"


def _newer(a: LiveRun, b: LiveRun) -> bool:
    floor = datetime.min.replace(tzinfo=UTC)
    return (a.created_at or floor, a.id) > (b.created_at or floor, b.id)


def _run(backend: HubBackend, namespace: str, run_id: str | None, known: dict[str, LiveRun]) -> LiveRun | None:
    if run_id is None:
        return None
    if run_id in known:
        return known[run_id]
    try:
        return backend.inspect_job(namespace, run_id)
    except HubNotFoundError:
        return None


def rows_as_dicts(rows: Sequence[StatusRow]) -> list[dict[str, object]]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    def webhook(hook: LiveWebhook) -> dict[str, object]:
        return {"id": hook.id, "watched": [{"type": k, "name": n} for k, n in hook.watched],
                "domains": list(hook.domains), "disabled": hook.disabled}

    return [
        {"name": r.name, "kind": r.kind, "namespace": r.namespace, "id": r.id, "schedule": r.schedule,
         "suspended": r.suspended, "next_run_at": iso(r.next_run_at), "last_run": {
             "id": r.last_run_id, "stage": r.last_run_stage, "at": iso(r.last_run_at), "url": r.url,
         } if r.last_run_id else None, "sync": r.sync, **({"webhook": webhook(r.webhook)} if r.webhook else {})}
        for r in rows
    ]
