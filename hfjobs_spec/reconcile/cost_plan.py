"""The cost pass after the diff: every change gets its before/after ceilings, the plan its totals.

Pure: the price table and the plan's time are inputs, so the same inputs give the same plan. A
saved plan records both; `apply PLANFILE` prices its fresh plan at the saved plan's time, so only a
change of the Hub's prices (or of the jobs) makes the saved plan stale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from hfjobs_spec.hub.model import LiveScheduledJob
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.cost import (
    ChangeCost,
    CostWindow,
    JobCost,
    PlanCost,
    PriceTable,
    job_cost,
    live_cost,
    plan_time,
    spec_cost,
    total_cost,
)
from hfjobs_spec.reconcile.live import LiveState
from hfjobs_spec.reconcile.plan import Change, Plan

STARTS_A_RUN = ("run",)


def with_costs(plan: Plan, specs: Sequence[JobSpec], live: LiveState, prices: PriceTable, now: datetime) -> Plan:
    """`plan` with a `ChangeCost` on every change and a `PlanCost` (prices used, totals per namespace)."""
    window = CostWindow(plan_time(now))
    by_name = {spec.name: spec for spec in specs}
    by_id = {job.id: job for job in (*live.all_scheduled, *live.scheduled)}
    changes = tuple(dataclasses.replace(change, cost=change_cost(change, by_name.get(change.name), by_id, prices,
                                                                 window))
                    for change in plan.changes)
    costs = [(change, change.cost) for change in changes if change.cost is not None]
    flavors = {job.flavor for _, cost in costs for job in (cost.before, cost.after) if job is not None}
    namespaces = sorted({change.namespace for change, _ in costs})
    by_namespace = {ns: total_cost((c.name, cost) for c, cost in costs if c.namespace == ns) for ns in namespaces}
    summary = PlanCost(as_of=window.start, prices=prices.only(flavors),
                       total=total_cost((c.name, cost) for c, cost in costs), by_namespace=by_namespace,
                       days=window.days)
    return dataclasses.replace(plan, changes=changes, cost=summary)


def change_cost(change: Change, spec: JobSpec | None, scheduled: dict[str, LiveScheduledJob], prices: PriceTable,
                window: CostWindow) -> ChangeCost:
    """Before and after of one change. A spec is the one declared under the change's name (if any)."""
    if spec is not None and spec.kind != change.kind:
        spec = None  # e.g. the scheduled job left behind by a manifest that is now a one-shot job
    if change.kind == "job":
        after = spec_cost(spec, prices, window) if spec is not None else None
        starts = any(op.kind in STARTS_A_RUN for op in change.operations)
        one_off = (after.run_ceiling_micro_usd if after is not None else 0) if starts else 0
        return ChangeCost(None, after, one_off)
    live = next((scheduled[i] for i in change.live_ids if i in scheduled), None)
    before: JobCost | None = None
    if live is not None:
        if spec is not None and change.action in ("update", "noop"):
            # Same revision: the spec's timeout and attempts hold (the Hub may not report them back).
            before = job_cost(spec.flavor, spec.timeout, spec.attempts, prices, window, schedule=live.schedule,
                              suspend=live.suspend, concurrency=live.concurrency)
        else:
            before = live_cost(live, prices, window)
    if change.action == "delete" or spec is None:
        return ChangeCost(before, None if change.action == "delete" else before)
    return ChangeCost(before, spec_cost(spec, prices, window))
