"""The plan as a pull-request comment, shaped like the best Terraform comments (tfcmt, Atlantis).

A one-line verdict; deletions and replacements called out before anything else; one `diff` fence
with a line per change (GitHub colours `+` create, `-` delete, `!` replace and update); then a
collapsible section per job with its fields; the commit and the run it was made at.

GitHub refuses comments over 65,536 characters. Past `MAX_CHARS` the per-job sections go first,
then the overview is cut to what fits, always saying what was left out.
"""

from __future__ import annotations

from hfjobs_spec.output.markdown import MAX_CHARS, RunContext, fence, inline, marker, truncate
from hfjobs_spec.output.plan_groups import group_title, grouped
from hfjobs_spec.output.plan_text import expand, summary_line, value_text
from hfjobs_spec.output.plan_webhook import webhook_lines
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Plan

__all__ = ["MAX_CHARS", "RunContext", "plan_marker", "render_plan_error_markdown", "render_plan_markdown",
           "render_plan_skipped_markdown"]

EMOJI = {"create": "🟢", "import": "🔵", "update": "🟡", "replace": "🟣", "delete": "🔴"}
# The first column of a `diff` fence decides its colour on GitHub.
LINE_SYMBOL = {"create": "+", "import": "+", "update": "!", "replace": "!", "delete": "-"}


def plan_marker(project: str, environment: str | None) -> str:
    return marker("plan", project, environment)


def render_plan_markdown(plan: Plan, *, max_chars: int = MAX_CHARS, context: RunContext | None = None) -> str:
    context = context or RunContext()
    head = _head(plan)
    tail = _reads(plan) + context.footer()
    if not plan.has_changes:
        return head + tail
    overview = _overview(plan.pending)
    full = head + overview + "\n" + _all_details(plan.pending) + tail
    if len(full) <= max_chars:
        return full
    note = (f"\n> [!NOTE]\n> The full plan is longer than {max_chars:,} characters, so the per-job details are "
            "left out. Run `hfjobs-spec plan` (or see the job summary) for every field.\n")
    compact = head + overview + note + tail
    if len(compact) <= max_chars:
        return compact
    return head + _cut_overview(plan.pending, max_chars - len(head) - len(tail) - 400) + tail


def render_plan_error_markdown(project: str, environment: str | None, error: str, *,
                               context: RunContext | None = None) -> str:
    """What replaces the comment when plan fails, so a stale plan never stays on the pull request."""
    context = context or RunContext()
    body = truncate(error.strip() or "(no message)", MAX_CHARS - 2_000, "the error")
    return (f"{plan_marker(project, environment)}\n{_title(project, environment)}\n\n"
            "❌ **Plan failed.** Any earlier plan on this pull request is out of date.\n\n"
            f"{fence(body)}{context.footer()}")


def render_plan_skipped_markdown(project: str, environment: str | None, reason: str, *,
                                 context: RunContext | None = None) -> str:
    context = context or RunContext()
    return (f"{plan_marker(project, environment)}\n{_title(project, environment)}\n\n"
            f"⏭️ **Plan skipped:** {inline(reason)}\n\nThe manifests were still validated; errors show as "
            f"annotations on the changed files.\n{context.footer()}")


def _title(project: str, environment: str | None) -> str:
    return f"### hfjobs-spec plan · `{project}` · environment `{environment or 'default'}`"


def _head(plan: Plan) -> str:
    return f"{plan_marker(plan.project, plan.environment)}\n{_title(plan.project, plan.environment)}\n\n" \
           f"{_verdict(plan)}{_destructive(plan)}{_lookalikes(plan)}"


def _verdict(plan: Plan) -> str:
    if not plan.has_changes:
        return "✅ **No changes.** The Hub matches the manifests.\n"
    s = plan.summary
    if plan.blocked:
        return f"⛔ **{summary_line(plan)}** {len(plan.blocked)} blocked by `protect: true`: apply will refuse.\n"
    destructive = s["delete"] or s["replace"] or any(_replaces(c) for c in plan.pending)
    icon = "🔴" if destructive else "🟡" if s["update"] and not s["create"] else "🟢"
    return f"{icon} **{summary_line(plan)}**\n"


def _destructive(plan: Plan) -> str:
    """Deletions and replacements, before anything else: they are what a reviewer must not miss."""
    risky = [c for c in plan.pending if c.action in ("delete", "replace") or _replaces(c)]
    if not risky:
        return ""
    shown = ", ".join(f"`{c.name}` ({c.action}{', blocked' if c.blocked else ''})" for c in risky[:30])
    more = f" and {len(risky) - 30} more" if len(risky) > 30 else ""
    return f"\n> [!WARNING]\n> **Deleted or replaced on apply:** {shown}{more}\n"


def _replaces(change: Change) -> bool:
    """An import whose job must then be replaced (or whose run cancelled) to match the manifest."""
    return change.action == "import" and any(op.kind in ("delete_scheduled", "cancel") for op in change.operations)


def _lookalikes(plan: Plan) -> str:
    """Creates next to unmanaged jobs of the same name: apply would run two of them."""
    if not plan.conflicts:
        return ""
    shown = "\n".join(f"> - `{c.name}`: {inline(c.message)}" for c in plan.conflicts[:30])
    more = f"\n> - and {len(plan.conflicts) - 30} more" if len(plan.conflicts) > 30 else ""
    return f"\n> [!WARNING]\n> **Look-alikes: created next to unmanaged jobs of the same name**\n{shown}{more}\n"


def _overview_line(change: Change) -> str:
    blocked = "  [BLOCKED]" if change.blocked else ""
    return (f"{LINE_SYMBOL[change.action]} {change.action:<7} {change.kind:<13} {change.name}  "
            f"({change.namespace}): {change.reason}{blocked}")


def _overview(changes: tuple[Change, ...]) -> str:
    lines = []
    for group, members in grouped(changes):
        if group is not None:
            lines.append(f"# {group_title(group, members)}")
        lines += [_overview_line(c) for c in members]
    return "\n" + fence("\n".join(lines), "diff")


def _all_details(changes: tuple[Change, ...]) -> str:
    """Each change's details; a matrix manifest's jobs folded under one summary of their own."""
    parts = []
    for group, members in grouped(changes):
        details = "\n".join(_details(change) for change in members)
        if group is None:
            parts.append(details)
        else:
            parts.append(f"<details><summary>📦 {inline(group_title(group, members))}</summary>\n\n{details}"
                         "</details>\n")
    return "\n".join(parts)


def _cut_overview(changes: tuple[Change, ...], budget: int) -> str:
    """The summary-only form: as many overview lines as fit, destructive ones first, then a count."""
    lines: list[str] = []
    used = 0
    for change in changes:
        line = _overview_line(change)
        if used + len(line) + 1 > budget:
            break
        lines.append(line)
        used += len(line) + 1
    left = len(changes) - len(lines)
    note = (f"\n> [!NOTE]\n> The plan is too long for a comment: per-job details and {left:,} of "
            f"{len(changes):,} changes are left out here. Run `hfjobs-spec plan` (or see the job summary) "
            "for all of them.\n")
    return "\n" + fence("\n".join(lines), "diff") + note


def _field_line(diff: FieldDiff) -> str:
    note = "  # forces replacement" if diff.forces_replacement else ""
    if diff.old is None:
        return f"+ {diff.field}: {value_text(diff.new)}{note}"
    if diff.new is None:
        return f"- {diff.field}: {value_text(diff.old)}{note}"
    return f"! {diff.field}: {value_text(diff.old)} -> {value_text(diff.new)}{note}"


def _details(change: Change) -> str:
    lines = [_field_line(d) for d in expand(change.fields)]
    lines += webhook_lines(change, _field_line, "", {"create": "+", "update": "!", "delete": "-"})
    body = "\n".join(lines) or "  (no field changes)"
    blocked = f"\n\n⛔ **Blocked:** {inline(change.blocked)}" if change.blocked else ""
    ids = f" · live: {', '.join(f'`{i}`' for i in change.live_ids)}" if change.live_ids else ""
    ids += f" · moved from `{change.moved_from}`" if change.moved_from else ""
    return (f"<details><summary>{EMOJI[change.action]} <b>{change.action}</b> <code>{change.name}</code> "
            f"({change.kind}, {change.namespace})</summary>\n\n"
            f"{inline(change.reason)}{ids}{blocked}\n\n{fence(body, 'diff')}\n</details>\n")


def _reads(plan: Plan) -> str:
    if not plan.reads:
        return ""
    items = []
    for read in plan.reads:
        missing = " ⚠️ not set here: apply needs it" if read.variable in plan.unset else ""
        items.append(f"- `{read.variable}` for `{read.job}` ({inline(read.source)}){missing}")
    return "\nApply will read these variables (values are never shown):\n\n" + "\n".join(items) + "\n"
