"""The cost parts of the Markdown plan: within GitHub's comment limit for 500 changes, and a gantt that
keeps to Mermaid's gantt grammar (the lexer rules of Mermaid 11, which GitHub renders)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hfjobs_spec.hub.model import HardwarePrice
from hfjobs_spec.output.plan_markdown import MAX_CHARS, render_plan_markdown
from hfjobs_spec.reconcile.cost import ChangeCost, CostWindow, PlanCost, PriceTable, job_cost, total_cost
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Operation, Plan

NOW = datetime(2026, 12, 1, 23, 50, tzinfo=UTC)
PRICES = PriceTable.of([HardwarePrice("a10g-large", 25_000, "minute"), HardwarePrice("cpu-basic", 167, "minute")])
WINDOW = CostWindow(NOW)
# Mermaid 11 gantt lexer: a section runs to the end of the line; a task is `text :data` with no `:` in the
# text and no `#` or `;` in the data; dates as `dateFormat` says; durations `<number><unit>`.
TASK = re.compile(r"^    [^:\n]+ :(done|active|milestone), \d{4}-\d{2}-\d{2} \d{2}:\d{2}, \d+m$")
HEADER = re.compile(r"^(gantt|    title [^\n]+|    dateFormat YYYY-MM-DD HH:mm|    axisFormat [^#\n;]+|"
                    r"    todayMarker off|    section [^\n#;:]+)$")


def rescheduled(name: str, before: str, after: str, flavor: str = "a10g-large") -> Change:
    cost = ChangeCost(job_cost(flavor, 3600, 1, PRICES, WINDOW, schedule=before),
                      job_cost(flavor, 3600, 1, PRICES, WINDOW, schedule=after))
    return Change(name, "scheduled_job", "update", "schedule changed", "alice",
                  fields=(FieldDiff("schedule", before, after),), live_ids=(f"{len(name):024x}",),
                  operations=(Operation("reschedule", "alice", "x", schedule=after),), cost=cost)


def plan_of(changes: list[Change]) -> Plan:
    total = total_cost((c.name, c.cost) for c in changes if c.cost)
    return Plan(project="demo", environment=None, namespaces=("alice",), changes=tuple(changes), desired_digest="d",
                live_digest="l", cost=PlanCost(NOW, PRICES, total, {"alice": total}))


def mermaid_blocks(markdown: str) -> list[list[str]]:
    return [block.split("\n") for block in re.findall(r"```mermaid\n(.*?)\n```", markdown, re.S)]


def test_the_gantt_keeps_to_mermaids_grammar() -> None:
    plan = plan_of([rescheduled("nightly", "0 3 * * *", "0 * * * *"), rescheduled("weekly", "@weekly", "@monthly"),
                    rescheduled("gone", "0 3 * * 1", "0 3 * * 1")])  # a same-schedule update moves no run
    (block,) = mermaid_blocks(render_plan_markdown(plan))
    assert block[0] == "gantt"
    for line in block:
        assert HEADER.match(line) or TASK.match(line), line
    sections = [line for line in block if line.startswith("    section ")]
    assert sections == ["    section nightly before (7 runs)", "    section nightly after (168 runs, a bar per day)",
                        "    section weekly before (1 run)", "    section weekly after (0 runs)"]
    assert "    no runs :milestone, 2026-12-01 23:50, 0m" in block  # @monthly: next run 2027-01-01, after 7 days
    assert "    24 runs :active, 2026-12-02 00:00, 1440m" in block  # 00:00 .. 23:00 and one hour of running


def test_markdown_of_500_cost_changes_stays_under_the_limit_and_keeps_the_totals() -> None:
    many = [rescheduled(f"job-{i:04d}", "0 3 * * *", "0 * * * *") for i in range(500)]
    markdown = render_plan_markdown(plan_of(many))
    assert len(markdown) <= MAX_CHARS
    assert "💰 **Monthly ceiling: $22,500.00 → $540,000.00 (+$517,500.00)**" in markdown
    assert "job-0499" in markdown  # every change is still listed in the overview
    (block,) = mermaid_blocks(markdown)
    assert sum(line.startswith("    section ") for line in block) == 2 * 8  # at most 8 jobs in the chart
    assert "The chart shows 8 of 500 changed schedules" in markdown
    assert "more rows left out" in markdown or markdown.count("| update | `job-") == 500


def test_markdown_of_5000_cost_changes_still_fits() -> None:
    many = [rescheduled(f"job-{i:05d}", "0 3 * * *", "0 * * * *") for i in range(5000)]
    markdown = render_plan_markdown(plan_of(many))
    assert len(markdown) <= MAX_CHARS and "Monthly ceiling" in markdown and "changes are left out here" in markdown
