"""The plan as a pull-request comment: a summary table, then one collapsible section per job.

GitHub refuses comments over 65,536 characters; we stay under 60,000 by dropping the per-job
details first (keeping a one-line table row per change), then the rows, always saying so.
"""

from __future__ import annotations

import re

from hfjobs_spec.output.plan_text import expand, field_line, summary_line
from hfjobs_spec.reconcile.plan import Change, Plan

MAX_CHARS = 60_000
MARKER = "<!-- hfjobs-spec-plan -->"
EMOJI = {"create": "🟢", "update": "🟡", "replace": "🟣", "delete": "🔴"}


def render_plan_markdown(plan: Plan, *, max_chars: int = MAX_CHARS) -> str:
    head = _head(plan)
    if not plan.has_changes:
        return head
    full = head + "\n" + "\n".join(_details(change) for change in plan.pending)
    if len(full) <= max_chars:
        return full
    rows = _table(plan)
    note = (f"\n> The full plan is longer than {max_chars:,} characters, so per-job details are left out. "
            "Run `hfjobs-spec plan` to see them.\n")
    compact = head + note + rows
    if len(compact) <= max_chars:
        return compact
    return head + (f"\n> The plan has {len(plan.pending):,} changes; too many to list here. "
                   "Run `hfjobs-spec plan` to see them.\n")


def _head(plan: Plan) -> str:
    env = plan.environment or "default"
    s = plan.summary
    table = "\n".join(f"| {EMOJI[a]} {a} | {s[a]} |" for a in ("delete", "replace", "create", "update"))
    return (f"{MARKER}\n### hfjobs-spec plan for `{plan.project}` (environment `{env}`)\n\n"
            f"| Action | Jobs |\n|---|---:|\n{table}\n\n**{summary_line(plan)}**\n{_reads(plan)}")


def _reads(plan: Plan) -> str:
    if not plan.reads:
        return ""
    items = []
    for read in plan.reads:
        missing = " ⚠️ not set where this plan ran: apply needs it" if read.variable in plan.unset else ""
        items.append(f"- `{read.variable}` for `{read.job}` ({_inline(read.source)}){missing}")
    return "\nApply will read these variables (never shown):\n\n" + "\n".join(items) + "\n"


def _table(plan: Plan) -> str:
    lines = ["| Action | Job | Kind | Reason |", "|---|---|---|---|"]
    for change in plan.pending:
        reason = _cell(change.reason + (f" (BLOCKED: {change.blocked})" if change.blocked else ""))
        lines.append(f"| {EMOJI[change.action]} {change.action} | `{change.name}` | {change.kind} | {reason} |")
    return "\n".join(lines) + "\n"


def _details(change: Change) -> str:
    body_lines = [f"{mark} {text}" for mark, text in (field_line(d) for d in expand(change.fields))]
    body = "\n".join(body_lines) or "(no field changes)"
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    blocked = f"\n\n**Blocked:** {_inline(change.blocked)}" if change.blocked else ""
    ids = f" · live: {', '.join(f'`{i}`' for i in change.live_ids)}" if change.live_ids else ""
    return (f"<details><summary>{EMOJI[change.action]} <b>{change.action}</b> <code>{change.name}</code> "
            f"({change.kind}, {change.namespace}): {_inline(change.reason)}</summary>\n\n"
            f"{_inline(change.reason)}{ids}{blocked}\n\n{fence}diff\n{body}\n{fence}\n\n</details>\n")


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def _inline(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|").replace("\n", " ")
