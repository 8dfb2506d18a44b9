"""Cost in words, shared by the terminal plan, the Markdown comment and `hfjobs-spec cost`.

Amounts are exact micro-dollars underneath (`reconcile.cost`); here they are only formatted.
"""

from __future__ import annotations

from hfjobs_spec.reconcile.cost import (
    MICRO,
    ChangeCost,
    CostTotal,
    JobCost,
    PlanCost,
    format_delta,
    format_usd,
    iso,
)
from hfjobs_spec.reconcile.plan import Change, Plan


def duration_text(seconds: int) -> str:
    """`2h`, `1h30m`, `90s`, `1d`: the manifest's own units."""
    parts = []
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def hourly_text(cost: JobCost) -> str:
    if cost.unit_cost_micro_usd is None:
        return "price unknown"
    per_second = {"second": 1, "minute": 60, "hour": 3600}[cost.unit_label or "minute"]
    return f"{format_usd(-(-cost.unit_cost_micro_usd * 3600 // per_second))}/h"


def ceiling_text(cost: JobCost) -> str:
    """One run's ceiling with how it is made: `$9.00 (2h × 3 attempts at $1.50/h)`."""
    tries = f" × {cost.attempts} attempts" if cost.attempts > 1 else ""
    if cost.run_ceiling_micro_usd is None:
        return f"price unknown (flavor {cost.flavor!r} is not in the Hub's price list)"
    return f"{format_usd(cost.run_ceiling_micro_usd)} ({duration_text(cost.timeout_seconds)}{tries} at " \
           f"{hourly_text(cost)})"


def monthly_text(cost: JobCost) -> str:
    """A scheduled job's month: `120 runs in 30 days, up to $1,080.00`."""
    if cost.suspend:
        return "suspended: $0"
    runs = f"{cost.runs} run{'s' if cost.runs != 1 else ''} in 30 days"
    if cost.monthly_ceiling_micro_usd is None:
        return f"{runs}, price unknown"
    capped = " (capped: runs never overlap)" if cost.capped else ""
    return f"{runs}, up to {format_usd(cost.monthly_ceiling_micro_usd)}{capped}"


def change_cost_lines(change: Change) -> list[str]:
    """The cost lines of one change (empty when it has no cost to show)."""
    cost = change.cost
    if cost is None:
        return []
    if change.kind == "job":
        if cost.after is None or not any(op.kind == "run" for op in change.operations):
            return []
        return [f"cost: the run it starts: up to {ceiling_text(cost.after)} on {cost.after.flavor}"]
    lines = []
    if cost.before is not None and cost.after is not None and change.action != "noop" and cost.before != cost.after:
        lines.append(f"cost before: {cost.before.flavor}, a run up to {ceiling_text(cost.before)}; "
                     f"{monthly_text(cost.before)}")
        lines.append(f"cost after:  {cost.after.flavor}, a run up to {ceiling_text(cost.after)}; "
                     f"{monthly_text(cost.after)}")
    else:
        job = cost.after or cost.before
        if job is None:
            return []
        lines.append(f"cost: {job.flavor}, a run up to {ceiling_text(job)}; {monthly_text(job)}")
    lines.append(f"monthly ceiling: {monthly_change_text(cost)}")
    return lines


def monthly_change_text(cost: ChangeCost | CostTotal) -> str:
    before = cost.monthly_before
    after = cost.monthly_after
    if isinstance(cost, ChangeCost) and cost.unknown:
        return "price unknown"
    if before == after:
        return f"{format_usd(after)} (no change)"
    return f"{format_usd(before)} → {format_usd(after)} ({format_delta(after - before)})"


def total_lines(summary: PlanCost, *, starts_runs: bool) -> list[str]:
    """The plan's totals: the monthly ceiling before → after, the one-off ceiling, what was unknown."""
    total = summary.total
    lines = [f"Monthly ceiling: {monthly_change_text(total)} (scheduled jobs, next 30 days from "
             f"{iso(summary.as_of)})"]
    if starts_runs or total.one_off:
        lines.append(f"One-off ceiling of the runs apply starts: {format_usd(total.one_off)}")
    if summary.prices.error:
        lines.append(f"warning: {summary.prices.error}")
    if total.unknown:
        shown = ", ".join(total.unknown[:10]) + (", ..." if len(total.unknown) > 10 else "")
        lines.append(f"warning: price unknown for {shown}: left out of the totals")
    return lines


def plan_starts_runs(plan: Plan) -> bool:
    return any(op.kind == "run" for change in plan.pending for op in change.operations)


def dollars(micro: int) -> str:
    """An exact decimal string of dollars for machine-readable tables (`1080.000000`)."""
    sign = "-" if micro < 0 else ""
    whole, part = divmod(abs(micro), MICRO)
    return f"{sign}{whole}.{part:06d}"


def schedule_change(change: Change) -> tuple[str | None, str | None] | None:
    """(before, after) schedules of a scheduled job whose runs move: created, deleted, rescheduled,
    suspended or resumed, or replaced with another schedule. None when its runs stay where they were."""
    cost = change.cost
    if change.kind != "scheduled_job" or cost is None or change.action == "noop":
        return None
    before = cost.before.schedule if cost.before is not None and not cost.before.suspend else None
    after = cost.after.schedule if cost.after is not None and not cost.after.suspend else None
    return None if before == after else (before, after)


def next_runs_text(schedule: str | None, summary: PlanCost, count: int = 3) -> str:
    if schedule is None:
        return "none"
    from hfjobs_spec.reconcile.ticks import next_runs

    runs = next_runs(schedule, summary.as_of, summary.window.end, limit=count)
    return ", ".join(tick.strftime("%a %m-%d %H:%M") for tick in runs) + " UTC" if runs else "none in 30 days"


def next_runs_lines(change: Change, summary: PlanCost | None) -> list[str]:
    moved = schedule_change(change) if summary is not None else None
    if moved is None or summary is None:
        return []
    before, after = moved
    if change.action == "delete":
        return []
    if change.action == "create":
        return [f"next runs: {next_runs_text(after, summary)}"]
    return [f"next runs before: {next_runs_text(before, summary)}",
            f"next runs after:  {next_runs_text(after, summary)}"]
