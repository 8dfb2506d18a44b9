"""The webhooks of `on: hub:` manifests in the plan: a sub-resource of the job's change.

A Hub webhook re-runs the spec of one job run (`create_webhook(job_id=...)`). A one-shot manifest
with `on:` keeps one managed webhook (see `webhook_marker`) pointing at its current run: created with
the first run, updated in place when the revision (so the run), the watched items, the domains or
the secret names change, enabled again if someone disabled it, and deleted when `on:` or the whole
manifest goes (unless pruning is off). Extra managed webhooks of one manifest are deleted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun, LiveWebhook
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.fields import protect_label_block
from hfjobs_spec.reconcile.live import DiffOptions, LiveState
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Operation, WebhookChange
from hfjobs_spec.reconcile.translate import labels_with_marker
from hfjobs_spec.reconcile.webhook_marker import WebhookMarker, parse_marker

NEW_RUN = "(the run this change starts)"


def attach_webhooks(changes: list[Change], desired: Sequence[JobSpec], owned: LiveState, options: DiffOptions,
                    runs_by_name: Mapping[str, list[LiveRun]] | None = None) -> list[Change]:
    """`changes` with each manifest's webhook work merged into its change (or new changes to prune).

    `runs_by_name`: the owned runs by manifest name as the diff saw them (renamed ones under their new
    name); by default grouped from `owned`. A webhook of a previous name moves with its job.
    """
    hooks: dict[str, list[tuple[LiveWebhook, WebhookMarker]]] = {}
    # A targeted job's previous names are targeted too: its webhook moves with it, never doubles.
    targets = options.targets | {old for spec in desired for old in spec.previous_names} if options.targets else None
    for hook in sorted(owned.webhooks, key=lambda h: h.id):
        marker = parse_marker(hook.marker)
        if marker is not None and (targets is None or marker.name in targets):
            hooks.setdefault(marker.name, []).append((hook, marker))
    runs = dict(runs_by_name) if runs_by_name is not None else _runs_by_name(owned.runs)
    result = list(changes)
    declared = {spec.name: spec for spec in desired}
    for spec in desired:
        mine = hooks.get(spec.name, [])
        for old in spec.previous_names:
            if old not in declared:
                mine = mine + hooks.pop(old, [])
        flagged = [run for run in runs.get(spec.name, []) if run.labels.get(L.WEBHOOK)]
        if spec.on_hub is None or spec.kind != "job":
            if mine or flagged:
                _merge(result, spec.name, spec.namespace or "", *_removal(mine, flagged, "`on: hub:` removed",
                                                                          options))
            continue
        _plan_hooked(result, spec, mine, runs.get(spec.name, []), options)
    for name in sorted(set(hooks) - set(declared)):
        mine = hooks[name]
        # A run another change relabels already (a rename takes it over) is left to that change: two
        # relabels of one id in changes that run side by side would race.
        relabelled = {op.target for change in result for op in change.operations if op.kind == "relabel_run"}
        flagged = [run for run in runs.get(name, []) if run.labels.get(L.WEBHOOK) and run.id not in relabelled]
        _merge(result, name, mine[0][1].namespace, *_removal(mine, flagged, "not declared any more", options),
               blocked=_protected(runs.get(name, [])))
    return result


def destroy_webhooks(owned: LiveState, options: DiffOptions) -> list[Change]:
    """`destroy`: delete every webhook this project environment owns (or the `--target` jobs')."""
    changes = []
    runs = _runs_by_name(owned.runs)
    for hook in sorted(owned.webhooks, key=lambda h: h.id):
        marker = parse_marker(hook.marker)
        if marker is None or (options.targets and marker.name not in options.targets):
            continue
        fields = (FieldDiff("watched", [{"type": k, "name": n} for k, n in hook.watched], None),
                  FieldDiff("domains", list(hook.domains), None))
        sub = WebhookChange("delete", "destroy", (hook.id,), fields)
        changes.append(Change(marker.name, "job", "delete", "destroy: delete the webhook that starts the job",
                              marker.namespace, operations=(Operation("delete_webhook", marker.namespace, hook.id),),
                              webhook=sub, blocked=_protected(runs.get(marker.name, []))))
    return changes


def _runs_by_name(runs: Iterable[LiveRun]) -> dict[str, list[LiveRun]]:
    grouped: dict[str, list[LiveRun]] = {}
    for run in runs:
        grouped.setdefault(run.labels[L.MANIFEST_NAME], []).append(run)
    for items in grouped.values():
        items.sort(key=lambda run: (run.created_at is None, run.created_at, run.id))
    return grouped


def _target(result: list[Change], spec: JobSpec, runs: list[LiveRun]) -> tuple[int | None, str | None]:
    """(index of the manifest's change, the run its webhook should start; None: the run the change starts)."""
    for index, change in enumerate(result):
        if change.name == spec.name and change.kind == "job" and any(op.kind == "run" for op in change.operations):
            return index, None
    for index, change in enumerate(result):
        if change.name == spec.name and change.kind == "job" and change.action == "import":
            return index, change.live_ids[0]
    current = [run for run in runs
               if run.namespace == spec.namespace and run.labels.get(L.SPEC_HASH) == spec.hash_label]
    active = [run for run in current if run.active]
    latest = active[0] if active else current[-1] if current else None
    for index, change in enumerate(result):
        if (latest is not None and change.name == spec.name and change.kind == "job"
                and change.action in ("noop", "update") and change.live_ids == (latest.id,)):
            return index, latest.id
    return None, latest.id if latest else None


def _plan_hooked(result: list[Change], spec: JobSpec, mine: list[tuple[LiveWebhook, WebhookMarker]],
                 runs: list[LiveRun], options: DiffOptions) -> None:
    assert spec.on_hub is not None and spec.namespace is not None
    index, job = _target(result, spec, runs)
    ns = spec.namespace
    watched = [{"type": kind, "name": name} for kind, name in spec.on_hub.watched]
    domains = list(spec.on_hub.domains)
    secrets = sorted(ref.name for ref in spec.secrets)
    ops: list[Operation] = []
    extras = mine[1:]
    ops += [Operation("delete_webhook", ns, hook.id) for hook, _ in extras]
    if not mine:
        fields = (FieldDiff("watched", None, watched), FieldDiff("domains", None, domains),
                  *((FieldDiff("secrets", None, secrets),) if secrets else ()), FieldDiff("job", None, job or NEW_RUN))
        ops.append(Operation("create_webhook", ns, job=job))
        sub = WebhookChange("create", "the job also runs on these Hub changes", (), fields)
    else:
        hook, marker = mine[0]
        fields = tuple(_fields(hook, marker, watched, domains, secrets, job, ns))
        if marker.name != spec.name:  # renamed with `previous_names`: the webhook moves with the job
            fields += (FieldDiff("name", marker.name, spec.name),)
        if not fields and not extras:
            _ensure_label(result, index, spec, runs, job, options)
            return
        if fields and [f.field for f in fields] != ["disabled"]:
            ops.append(Operation("update_webhook", ns, hook.id, job=job,
                                 unset_secrets=tuple(sorted(set(marker.secrets) - set(secrets)))))
        if hook.disabled:
            ops.append(Operation("enable_webhook", ns, hook.id))
        what = f"{', '.join(f.field for f in fields)} changed" if fields else "up to date"
        dup = f"; delete {len(extras)} duplicate webhook{'s' if len(extras) > 1 else ''}" if extras else ""
        sub = WebhookChange("update", f"{what}{dup}",
                            (hook.id, *(h.id for h, _ in extras)), fields)
    _merge(result, spec.name, ns, sub, tuple(ops), index=index)
    _ensure_label(result, index, spec, runs, job, options)


def _fields(hook: LiveWebhook, marker: WebhookMarker, watched: list[dict[str, str]], domains: list[str],
            secrets: list[str], job: str | None, namespace: str) -> list[FieldDiff]:
    fields: list[FieldDiff] = []
    live_watched = [{"type": kind, "name": name} for kind, name in hook.watched]
    if live_watched != watched:
        fields.append(FieldDiff("watched", live_watched, watched))
    if list(hook.domains) != domains:
        fields.append(FieldDiff("domains", list(hook.domains), domains))
    if sorted(marker.secrets) != secrets:
        fields.append(FieldDiff("secrets", sorted(marker.secrets), secrets))
    if job is None or marker.job_id != job or marker.namespace != namespace:
        fields.append(FieldDiff("job", marker.job_id, job or NEW_RUN))
    if hook.disabled:
        fields.append(FieldDiff("disabled", True, False))
    return fields


def _removal(mine: list[tuple[LiveWebhook, WebhookMarker]], flagged: list[LiveRun], why: str,
             options: DiffOptions) -> tuple[WebhookChange | None, tuple[Operation, ...]]:
    """Delete the manifest's webhooks, then take the webhook label off its runs (so plan stops listing)."""
    if not options.prune and mine:
        return None, ()
    ops = [Operation("delete_webhook", marker.namespace, hook.id) for hook, marker in mine]
    for run in flagged:
        labels = {key: value for key, value in run.labels.items() if key != L.WEBHOOK}
        ops.append(Operation("relabel_run", run.namespace, run.id, labels=tuple(sorted(labels.items()))))
    if not mine:
        return None, tuple(ops)
    hook = mine[0][0]
    fields = (FieldDiff("watched", [{"type": k, "name": n} for k, n in hook.watched], None),
              FieldDiff("domains", list(hook.domains), None))
    return WebhookChange("delete", why, tuple(h.id for h, _ in mine), fields), tuple(ops)


def _ensure_label(result: list[Change], index: int | None, spec: JobSpec, runs: list[LiveRun], job: str | None,
                  options: DiffOptions) -> None:
    """The run a webhook starts carries `hfjobs-webhook`, so that plan knows to list webhooks."""
    if job is None or index is None:
        return  # a new run is created with it (`hub_labels`)
    run = next((r for r in runs if r.id == job), None)
    change = result[index]
    if run is None or run.labels.get(L.WEBHOOK) or any(op.kind == "relabel_run" and op.target == job
                                                         for op in change.operations):
        return
    labels = labels_with_marker(spec, options.project, options.environment_label)
    _merge(result, spec.name, run.namespace, None,
           (Operation("relabel_run", run.namespace, job, labels=tuple(sorted(labels.items()))),), index=index)


def _protected(runs: Sequence[LiveRun]) -> str | None:
    """A webhook is part of its job: one of a job applied with `protect: true` is not deleted either."""
    return next((block for run in runs if (block := protect_label_block(run.labels))), None)


def _merge(result: list[Change], name: str, namespace: str, sub: WebhookChange | None,
           ops: tuple[Operation, ...], *, index: int | None = None, blocked: str | None = None) -> None:
    """Add the webhook's work to the manifest's change (a noop becomes an update), or make a change for it."""
    if not ops and sub is None:
        return
    if index is None:
        index = next((i for i, c in enumerate(result) if c.name == name and c.kind == "job"), None)
    if index is None:
        action: Any = "delete" if sub is not None and sub.action == "delete" else "update"
        reason = sub.reason if sub is not None else "the webhook is gone: take its label off the run"
        result.append(Change(name, "job", action, reason, namespace, operations=ops, webhook=sub,
                             blocked=blocked if action == "delete" else None))
        return
    change = result[index]
    # A run the change relabels already (retired as an earlier revision) keeps that relabel: a second
    # one, built from the labels as read, would put it back in the project's listing.
    relabelled = {op.target for op in change.operations if op.kind == "relabel_run"}
    ops = tuple(op for op in ops if not (op.kind == "relabel_run" and op.target in relabelled))
    updates: dict[str, Any] = {"operations": change.operations + ops}
    if sub is not None:
        updates["webhook"] = sub
    if blocked is not None and sub is not None and sub.action == "delete" and change.blocked is None:
        updates["blocked"] = blocked
    if change.action == "noop":
        updates["action"] = "update"
        updates["reason"] = f"webhook: {sub.reason}" if sub is not None else "mark the run that the webhook starts"
    result[index] = dataclasses.replace(change, **updates)
