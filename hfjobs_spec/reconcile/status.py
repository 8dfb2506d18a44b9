"""`status`: every job of the project, declared or on the Hub, with the facts that cost nothing to read.

A row's facts come from the lists plan reads anyway (the last run of a schedule is inspected only
when the runs list does not hold it): the stage and outcome of the last run, how long it ran, the
next run, its URL, and how the row stands against the manifests (`in sync`, `pending <action>`,
`orphaned` when no manifest declares it any more, `not applied`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HubNotFoundError, PlanError
from hfjobs_spec.hub.model import LiveRun, LiveWebhook
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.live import DiffOptions, LiveState, is_owned, is_revision_run, owns_webhook
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.webhook_marker import parse_marker

IN_SYNC = "in sync"
ORPHANED = "orphaned"
NOT_APPLIED = "not applied"
UNKNOWN = "unknown"
RERUN_STAGES = frozenset({"ERROR", "CANCELED"})
# When one name has several pending changes (a new run, and the retiring of old ones), show the weightiest.
_WEIGHT = {"delete": 5, "replace": 4, "create": 3, "import": 2, "update": 1}
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class StatusRow:
    name: str
    kind: str
    namespace: str
    id: str | None  # None: declared, not on the Hub yet
    schedule: str | None
    suspended: bool | None
    next_run_at: datetime | None
    last_run_id: str | None
    last_run_stage: str | None
    last_run_at: datetime | None
    url: str | None
    sync: str  # IN_SYNC, "pending <action>", ORPHANED, NOT_APPLIED, or UNKNOWN
    last_run_started_at: datetime | None = None
    last_run_finished_at: datetime | None = None
    last_run_seconds: int | None = None
    last_run_message: str | None = None
    declared: bool = True
    rerun: bool = False  # a one-shot revision that failed or was cancelled: `apply --replace NAME` runs it again

    @property
    def errored(self) -> bool:
        return self.last_run_stage == "ERROR"
    webhook: LiveWebhook | None = None  # the managed webhook that starts the job (`on: hub:`)


def status_rows(live: LiveState, options: DiffOptions, backend: HubBackend, plan: Plan | None,
                specs: Sequence[JobSpec] | None = None, names: Iterable[str] = ()) -> list[StatusRow]:
    """Rows for the owned jobs in `live`, and for the `specs` with nothing on the Hub yet.

    Without `specs`, what is declared is unknown: no row is called orphaned.

    With `names`, only theirs (a name neither declared nor on the Hub is an error, with a suggestion);
    the last run of a schedule is then inspected only for the rows shown.
    """
    runs_by_id = {run.id: run for run in live.runs}
    pending = _pending(plan)
    declared = {spec.name: spec for spec in specs or ()}
    owned = [job for job in live.scheduled if is_owned(job.labels, options)]
    latest = _latest_runs(live.runs, options)
    hooks = _webhooks(live, options)
    wanted = _wanted(names, {*declared, *latest, *(job.labels[L.MANIFEST_NAME] for job in owned)})
    rows: list[StatusRow] = []
    for job in owned:
        if wanted is not None and job.labels[L.MANIFEST_NAME] not in wanted:
            continue
        last = _run(backend, job.namespace, job.last_run_id, runs_by_id)
        name = job.labels[L.MANIFEST_NAME]
        rows.append(StatusRow(
            name=name, kind="scheduled_job", namespace=job.namespace, id=job.id, schedule=job.schedule,
            suspended=job.suspend, next_run_at=None if job.suspend else job.next_run_at,
            last_run_id=job.last_run_id, last_run_stage=last.stage if last else None,
            last_run_at=job.last_run_at or (last.created_at if last else None),
            url=last.url if last else None, sync=_sync(name, pending, plan, specs is None or name in declared),
            declared=specs is None or name in declared, **_run_facts(last),
        ))
    for name, run in latest.items():
        if wanted is not None and name not in wanted:
            continue
        spec = declared.get(name)
        sync = _sync(name, pending, plan, specs is None or spec is not None)
        rerun = (spec is not None and spec.kind == "job" and sync == IN_SYNC and run.stage in RERUN_STAGES
                 and run.labels.get(L.SPEC_HASH) == spec.hash_label)
        rows.append(StatusRow(
            name=name, kind="job", namespace=run.namespace, id=run.id, schedule=None, suspended=None,
            next_run_at=None, last_run_id=run.id, last_run_stage=run.stage, last_run_at=run.created_at, url=run.url,
            sync=sync, declared=specs is None or spec is not None, rerun=rerun, webhook=hooks.get(name),
            **_run_facts(run),
        ))
    shown = {row.name for row in rows}
    for spec in specs or ():
        if spec.name not in shown and (wanted is None or spec.name in wanted):
            action = pending.get(spec.name)
            rows.append(StatusRow(
                name=spec.name, kind=spec.kind, namespace=spec.namespace or "", id=None, schedule=spec.schedule,
                suspended=spec.suspend if spec.kind == "scheduled_job" else None, next_run_at=None, last_run_id=None,
                last_run_stage=None, last_run_at=None, url=None,
                sync=UNKNOWN if plan is None else (f"pending {action}" if action else NOT_APPLIED),
            ))
    return sorted(rows, key=lambda row: (row.name, row.kind, row.id or ""))


def _wanted(names: Iterable[str], known: set[str]) -> set[str] | None:
    wanted = set(names)
    for name in sorted(wanted - known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise PlanError(f"{name}: no such job in the manifests or on the Hub{hint}")
    return wanted or None


def _pending(plan: Plan | None) -> dict[str, str]:
    pending: dict[str, str] = {}
    for change in () if plan is None else plan.pending:
        if _WEIGHT.get(change.action, 0) > _WEIGHT.get(pending.get(change.name, ""), 0):
            pending[change.name] = change.action
    return pending


def _sync(name: str, pending: Mapping[str, str], plan: Plan | None, declared: bool) -> str:
    if plan is None:
        return UNKNOWN
    action = pending.get(name)
    if action:
        return f"pending {action}"
    return IN_SYNC if declared else ORPHANED


def _latest_runs(runs: Iterable[LiveRun], options: DiffOptions) -> dict[str, LiveRun]:
    """The newest run of each one-shot manifest (runs a schedule started belong to the schedule's row)."""
    latest: dict[str, LiveRun] = {}
    for run in runs:
        if is_revision_run(run, options):
            name = run.labels[L.MANIFEST_NAME]
            if name not in latest or _newer(run, latest[name]):
                latest[name] = run
    return latest


def _webhooks(live: LiveState, options: DiffOptions) -> dict[str, LiveWebhook]:
    """The managed webhook that starts each `on: hub:` job (the first one wins, as in plan)."""
    hooks = {}
    for hook in sorted(live.webhooks, key=lambda h: h.id, reverse=True):
        marker = parse_marker(hook.marker) if owns_webhook(hook, options) else None
        if marker is not None:
            hooks[marker.name] = hook
    return hooks


class _RunFacts(TypedDict, total=False):
    last_run_started_at: datetime | None
    last_run_finished_at: datetime | None
    last_run_seconds: int | None
    last_run_message: str | None


def _run_facts(run: LiveRun | None) -> _RunFacts:
    if run is None:
        return {}
    seconds = run.running_seconds
    if seconds is None and run.started_at and run.finished_at:
        seconds = max(0, int((run.finished_at - run.started_at).total_seconds()))
    return {"last_run_started_at": run.started_at, "last_run_finished_at": run.finished_at,
            "last_run_seconds": seconds, "last_run_message": clean_message(run.message)}


def clean_message(message: str | None) -> str | None:
    """The Hub's words about a run, on one line and bounded: they are shown in a table and a terminal."""
    if not message:
        return None
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", message).strip()
    return text[:_MESSAGE_LIMIT - 1] + "…" if len(text) > _MESSAGE_LIMIT else text or None


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
             "started_at": iso(r.last_run_started_at), "finished_at": iso(r.last_run_finished_at),
             "duration_seconds": r.last_run_seconds, "message": r.last_run_message,
         } if r.last_run_id else None, "sync": r.sync, "declared": r.declared, "rerun": r.rerun,
         **({"webhook": webhook(r.webhook)} if r.webhook else {})}
        for r in rows
    ]
