"""Plan renderers: Terraform's symbols and summary, colour only when asked, Markdown within GitHub's limit."""

from __future__ import annotations

from hfjobs_spec.output.plan_markdown import (
    MAX_CHARS,
    RunContext,
    render_plan_error_markdown,
    render_plan_markdown,
    render_plan_skipped_markdown,
)
from hfjobs_spec.output.plan_text import render_plan, summary_line
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Operation, Plan


def plan_of(changes: list[Change]) -> Plan:
    return Plan(project="demo", environment=None, namespaces=("alice",), changes=tuple(changes),
                desired_digest="d", live_digest="l")


def change(name: str, action: str, fields: tuple[FieldDiff, ...] = (), blocked: str | None = None) -> Change:
    return Change(name, "scheduled_job", action, f"{action} because", "alice", fields=fields,  # type: ignore[arg-type]
                  operations=(Operation("create_scheduled", "alice"),), blocked=blocked)


def test_text_uses_terraform_symbols_and_summary() -> None:
    plan = plan_of([
        change("gone", "delete", (FieldDiff("flavor", "cpu-basic", None),)),
        change("swap", "replace", (FieldDiff("flavor", "cpu-basic", "t4-small", True),)),
        change("new", "create", (FieldDiff("image", None, "python:3.12"),)),
        change("tweak", "update", (FieldDiff("env", {"A": "1", "B": "2"}, {"A": "1", "B": "3"}),)),
        change("same", "noop"),
    ])
    text = render_plan(plan)
    assert '-/+ scheduled_job "swap" {' in text and '~ flavor: "cpu-basic" -> "t4-small"  # forces replacement' in text
    assert '  - scheduled_job "gone" {' in text and '  + scheduled_job "new" {' in text
    assert '~ env.B: "2" -> "3"' in text and "env.A" not in text  # mappings show only the keys that change
    assert '"same"' not in text
    assert text.index('"gone"') < text.index('"swap"') < text.index('"new"')  # destruction first
    assert text.rstrip().endswith("Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.")
    assert "\x1b[" not in text
    assert "\x1b[" in render_plan(plan, color=True)


def test_no_changes_says_so() -> None:
    plan = plan_of([change("same", "noop")])
    assert summary_line(plan) == "No changes."
    assert render_plan(plan).rstrip().endswith("No changes.")
    assert "No changes." in render_plan_markdown(plan)


def test_blocked_changes_are_marked() -> None:
    text = render_plan(plan_of([change("precious", "delete", blocked="protect: true forbids it")]))
    assert "! blocked: protect: true forbids it" in text


def test_markdown_has_a_verdict_destruction_first_and_a_section_per_job() -> None:
    plan = plan_of([
        change("gone", "delete", (FieldDiff("flavor", "cpu-basic", None),)),
        change("swap", "replace", (FieldDiff("flavor", "cpu-basic", "t4-small", True),)),
        change("new", "create", (FieldDiff("image", None, "python:3.12"),)),
        change("tweak", "update", (FieldDiff("schedule", "@daily", "@hourly"),)),
    ])
    markdown = render_plan_markdown(plan, context=RunContext("0123456789abcdef", "https://gh.example/run/7"))
    lines = markdown.splitlines()
    assert lines[0] == "<!-- hfjobs-spec plan: demo/default -->"
    assert "🔴 **Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.**" in markdown
    assert markdown.index("Deleted or replaced on apply") < markdown.index("```diff")
    overview = [line for line in lines if line.startswith(("+ create", "- delete", "! replace", "! update"))]
    assert [line.split()[0] for line in overview] == ["-", "!", "+", "!"]  # every kind coloured, deletions first
    assert '! flavor: "cpu-basic" -> "t4-small"  # forces replacement' in markdown
    assert '- flavor: "cpu-basic"' in markdown and '+ image: "python:3.12"' in markdown
    assert markdown.count("<details>") == 4
    assert "made at commit `0123456789ab`" in markdown and "(https://gh.example/run/7)" in markdown


def test_markdown_of_500_changes_stays_under_the_limit_and_says_what_it_left_out() -> None:
    fields = tuple(FieldDiff(f"env.V{i}", None, "x" * 40) for i in range(5))
    many = [change(f"job-{i:04d}", "create", fields) for i in range(500)]
    markdown = render_plan_markdown(plan_of(many))
    assert len(markdown) <= MAX_CHARS
    assert "per-job details are left out" in markdown and "<details>" not in markdown
    assert "Plan: 500 to create" in markdown


def test_markdown_never_exceeds_the_limit() -> None:
    big = tuple(FieldDiff(f"env.V{i}", None, "x" * 200) for i in range(20))
    many = [change(f"job-{i:04d}", "create", big) for i in range(300)]
    full = render_plan_markdown(plan_of(many), max_chars=10**9)
    assert len(full) > MAX_CHARS
    compact = render_plan_markdown(plan_of(many))
    assert len(compact) <= MAX_CHARS and "per-job details are left out" in compact
    assert "job-0299" in compact and "<details>" not in compact
    huge = [change(f"job-{i:05d}", "delete" if i < 3 else "create") for i in range(5000)]
    summary_only = render_plan_markdown(plan_of(huge))
    assert len(summary_only) <= MAX_CHARS
    assert "changes are left out here" in summary_only and "of 5,000 changes" in summary_only
    assert "- delete  scheduled_job job-00000" in summary_only  # the destructive ones are the ones kept


def test_failed_and_skipped_plans_keep_the_marker() -> None:
    failed = render_plan_error_markdown("demo", "prod", "Error: jobs/a.yaml:3:1: bad\n```", context=RunContext("abc"))
    assert failed.startswith("<!-- hfjobs-spec plan: demo/prod -->") and "Plan failed" in failed
    assert "````\nError: jobs/a.yaml:3:1: bad" in failed
    skipped = render_plan_skipped_markdown("demo", None, "pull requests from forks get no secrets")
    assert skipped.startswith("<!-- hfjobs-spec plan: demo/default -->") and "forks get no secrets" in skipped


def test_markdown_fences_survive_backticks_in_values() -> None:
    markdown = render_plan_markdown(plan_of([change("a", "create", (FieldDiff("command", None, ["```"]),))]))
    assert "````diff" in markdown
