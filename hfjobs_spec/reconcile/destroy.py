"""The destroy plan: every managed job of one project environment removed, from the Hub's labels alone.

No manifest is needed: what this project environment owns is written in the labels (`is_owned`), so
destroy works when the manifests are broken or gone. Scheduled jobs are deleted, active runs
cancelled. Runs are history: the Hub has no call that deletes one, so they stay (destroy says how
many), but the one-shot runs leave the project's listing (`retire`, as apply does for earlier
revisions): nothing managed is left, and an apply after destroy runs the one-shot jobs again. Runs a
schedule started are left as they are (one relabel each would cost too many requests; they never
count as a revision). `protect` is read from the Hub's protect label. Unmanaged jobs, other tools'
jobs, other projects' and other environments' are never looked at.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from hfjobs_spec import labels as L
from hfjobs_spec.errors import PlanError
from hfjobs_spec.reconcile.diff import retire
from hfjobs_spec.reconcile.fields import protect_label_block, removal_fields
from hfjobs_spec.reconcile.live import DiffOptions, LiveState, desired_digest, is_owned, live_digest, owned_state
from hfjobs_spec.reconcile.plan import Change, Operation, Plan
from hfjobs_spec.reconcile.translate import live_view
from hfjobs_spec.reconcile.webhooks import destroy_webhooks


@dataclass(frozen=True)
class DestroyPlan:
    """The plan, and the finished runs it leaves on the Hub as history."""

    plan: Plan
    finished_runs: int


def plan_destroy(live: LiveState, options: DiffOptions) -> DestroyPlan:
    """Delete every owned scheduled job and cancel every owned active run (or only the `--target` jobs)."""
    jobs = [job for job in live.scheduled if is_owned(job.labels, options)]
    # Runs a managed schedule started carry its labels: they are this project's too.
    runs = [run for run in live.runs if is_owned(run.labels, options)]
    names = {job.labels[L.MANIFEST_NAME] for job in jobs} | {run.labels[L.MANIFEST_NAME] for run in runs}
    for name in sorted(options.targets - names):
        close = difflib.get_close_matches(name, sorted(names), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise PlanError(f"--target {name}: no managed job of that name on the Hub for project {options.project!r} "
                        f"environment {options.environment_label!r}{hint}")
    if options.targets:
        jobs = [job for job in jobs if job.labels[L.MANIFEST_NAME] in options.targets]
        runs = [run for run in runs if run.labels[L.MANIFEST_NAME] in options.targets]
    changes = [Change(job.labels[L.MANIFEST_NAME], "scheduled_job", "delete", "destroy: delete the scheduled job",
                      job.namespace, fields=removal_fields(live_view(job.spec, job.concurrency)),
                      live_ids=(job.id,), blocked=protect_label_block(job.labels),
                      operations=(Operation("delete_scheduled", job.namespace, job.id),))
               for job in jobs]
    for run in runs:
        one_shot = run.initiator_type != "scheduled-job"
        retiring = (retire(run),) if one_shot else ()
        if run.active:
            changes.append(Change(run.labels[L.MANIFEST_NAME], "job", "delete",
                                  f"destroy: cancel the active run ({run.stage}); it stays on the Hub as history",
                                  run.namespace, live_ids=(run.id,), blocked=protect_label_block(run.labels),
                                  operations=(Operation("cancel", run.namespace, run.id), *retiring)))
        elif one_shot:
            changes.append(Change(run.labels[L.MANIFEST_NAME], "job", "update",
                                  f"destroy: run {run.id} ({run.stage}) leaves the project's listing; it stays on "
                                  "the Hub as history", run.namespace, live_ids=(run.id,), operations=retiring))
    owned = owned_state(live, options)
    changes += destroy_webhooks(owned, options)
    plan = Plan(
        project=options.project,
        environment=options.environment,
        namespaces=tuple(sorted(live.namespaces)),
        changes=tuple(sorted(changes, key=lambda change: change.sort_key)),
        desired_digest=desired_digest((), options),
        live_digest=live_digest(owned),
        options=options.requested,
    )
    return DestroyPlan(plan, sum(1 for run in runs if not run.active))
