"""Cost and schedules in the pull-request comment: the totals, a table with a cost column, and for
changed schedules their next runs before and after with a Mermaid gantt of the next 7 days.

GitHub renders ```` ```mermaid ```` fences. The gantt is bounded (at most `MAX_GANTT_JOBS` jobs and
`MAX_BARS` runs per side) so that an every-minute typo cannot blow the comment's size; the text
above it always gives the full count.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from hfjobs_spec.output.cost_text import (
    ceiling_text,
    duration_text,
    monthly_change_text,
    next_runs_text,
    plan_starts_runs,
    schedule_change,
)
from hfjobs_spec.output.markdown import fence, inline
from hfjobs_spec.reconcile.cost import PlanCost, format_usd, iso
from hfjobs_spec.reconcile.plan import Change, Plan
from hfjobs_spec.reconcile.ticks import count_runs, next_runs

GANTT_DAYS = 7
MAX_GANTT_JOBS = 8
MAX_BARS = 20
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()/-]")  # what a gantt label may hold: no `:`, `#`, `;` or newline


def cost_headline(plan: Plan) -> str:
    """One line under the verdict: the monthly ceiling before → after and the one-off ceiling."""
    summary = plan.cost
    if summary is None:
        return ""
    total = summary.total
    one_off = f" · one-off ceiling of the runs it starts: **{format_usd(total.one_off)}**" if (
        plan_starts_runs(plan) or total.one_off) else ""
    lines = [f"\n💰 **Monthly ceiling: {monthly_change_text(total)}**{one_off} "
             f"<sub>(next 30 days from {iso(summary.as_of)}, at the Hub's prices)</sub>\n"]
    if summary.prices.error:
        lines.append(f"\n> [!WARNING]\n> {inline(summary.prices.error)}\n")
    if total.unknown:
        shown = ", ".join(f"`{name}`" for name in total.unknown[:20])
        more = f" and {len(total.unknown) - 20} more" if len(total.unknown) > 20 else ""
        lines.append(f"\n> [!WARNING]\n> **Price unknown** (left out of the totals): {shown}{more}\n")
    return "".join(lines)


def _row(change: Change) -> str | None:
    cost = change.cost
    if cost is None:
        return None
    job = cost.after or cost.before
    if job is None:
        return None
    if change.kind == "job":
        if not any(op.kind == "run" for op in change.operations):
            return None
        return (f"| {change.action} | `{change.name}` | {job.flavor} | {inline(ceiling_text(job))} | 1 (one-off) "
                f"| – |")
    before, after = cost.before, cost.after
    runs = str(job.runs) if before is None or after is None or before.runs == after.runs else \
        f"{before.runs} → {after.runs}"
    flavor = job.flavor if before is None or after is None or before.flavor == after.flavor else \
        f"{before.flavor} → {after.flavor}"
    suspended = " (suspended)" if job.suspend else ""
    return (f"| {change.action} | `{change.name}` | {flavor} | {inline(ceiling_text(job))} | {runs}{suspended} | "
            f"{monthly_change_text(cost)} |")


_TABLE_HEAD = "| change | job | flavor | ceiling of one run | runs in 30 days | monthly ceiling |\n" \
              "| --- | --- | --- | --- | --- | --- |\n"


def cost_table(plan: Plan, budget: int | None = None) -> str:
    """The summary table with a cost column: one row per change that costs something, within `budget`."""
    rows = [row for change in plan.pending if (row := _row(change)) is not None]
    if not rows or plan.cost is None:
        return ""
    kept: list[str] = []
    used = len(_TABLE_HEAD) + 200
    for row in rows:
        if budget is not None and used + len(row) + 1 > budget:
            break
        kept.append(row)
        used += len(row) + 1
    if not kept:
        return ""
    left = len(rows) - len(kept)
    note = f"\n_{left:,} more rows left out: run `hfjobs-spec plan` for all of them._\n" if left else ""
    return "\n**Cost**\n\n" + _TABLE_HEAD + "\n".join(kept) + "\n" + note


def schedule_section(plan: Plan) -> str:
    """Changed schedules: their next runs before and after, and a gantt of the next 7 days."""
    summary = plan.cost
    moved = [(change, pair) for change in plan.pending if (pair := schedule_change(change)) is not None]
    if summary is None or not moved:
        return ""
    items = []
    for change, (before, after) in moved[:50]:
        items.append(f"- `{change.name}`: before `{before or 'no runs'}`: {next_runs_text(before, summary)}; "
                     f"after `{after or 'no runs'}`: {next_runs_text(after, summary)}")
    more = f"\n- and {len(moved) - 50} more" if len(moved) > 50 else ""
    return ("\n**Changed schedules**: next runs before → after\n\n" + "\n".join(items) + more + "\n\n"
            + gantt(moved, summary))


def gantt(moved: list[tuple[Change, tuple[str | None, str | None]]], summary: PlanCost) -> str:
    """A Mermaid gantt of the next 7 days: per job a `before` row (grey) and an `after` row."""
    start, end = summary.as_of, summary.as_of + timedelta(days=GANTT_DAYS)
    lines = ["gantt", f"    title Runs in the {GANTT_DAYS} days from {iso(start)} (UTC), before and after",
             "    dateFormat YYYY-MM-DD HH:mm", "    axisFormat %a %d %H:%M", "    todayMarker off"]
    for change, (before, after) in moved[:MAX_GANTT_JOBS]:
        cost = change.cost
        for side, schedule, job, tag in (("before", before, cost.before if cost else None, "done"),
                                         ("after", after, cost.after if cost else None, "active")):
            total = count_runs(schedule, start, end) if schedule else 0
            daily = total > MAX_BARS
            shown = f" ({total} runs, a bar per day)" if daily else f" ({total} run{'s' if total != 1 else ''})"
            lines.append(f"    section {_label(change.name)} {side}{shown}")
            if schedule is None or job is None or not total:
                lines.append(f"    no runs :milestone, {start:%Y-%m-%d %H:%M}, 0m")
                continue
            minutes = max(1, -(-job.timeout_seconds * job.attempts // 60))
            lines += _day_bars(schedule, start, end, minutes, tag) if daily else [
                f"    {duration_text(minutes * 60)} :{tag}, {tick:%Y-%m-%d %H:%M}, {minutes}m"
                for tick in next_runs(schedule, start, end)]
    left = len(moved) - MAX_GANTT_JOBS
    note = f"\n_The chart shows {MAX_GANTT_JOBS} of {len(moved)} changed schedules._\n" if left > 0 else ""
    return fence("\n".join(lines), "mermaid") + note


def _day_bars(schedule: str, start: datetime, end: datetime, minutes: int, tag: str) -> list[str]:
    """One bar per day for a dense schedule: from the day's first run to the end of its last."""
    by_day: dict[str, list[datetime]] = {}
    for tick in next_runs(schedule, start, end):  # at most 7 × 1,440 ticks
        by_day.setdefault(f"{tick:%Y-%m-%d}", []).append(tick)
    bars = []
    for ticks in by_day.values():
        span = int((ticks[-1] - ticks[0]).total_seconds() // 60) + minutes
        bars.append(f"    {len(ticks)} runs :{tag}, {ticks[0]:%Y-%m-%d %H:%M}, {span}m")
    return bars


def _label(name: str) -> str:
    return _UNSAFE.sub("-", name)[:80]
