"""The plan for a terminal: Terraform's symbols, one block per job, old -> new, a summary line last."""

from __future__ import annotations

import json
from typing import Any

import click

from hfjobs_spec.output.plan_groups import group_title, grouped
from hfjobs_spec.output.plan_webhook import webhook_lines
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Plan

SYMBOLS = {"create": "+", "import": "<=", "update": "~", "replace": "-/+", "delete": "-", "noop": " "}
COLOURS = {"create": "green", "import": "cyan", "update": "yellow", "replace": "magenta", "delete": "red"}
VERBS = {"create": "created", "import": "imported", "update": "updated in place", "replace": "replaced",
         "delete": "deleted"}


def summary_line(plan: Plan) -> str:
    if not plan.has_changes:
        return "No changes."
    s = plan.summary
    imports = f"{s['import']} to import, " if s["import"] else ""
    renamed = f"; {len(plan.renamed)} renamed in place" if plan.renamed else ""
    return (f"Plan: {imports}{s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
            f"{s['delete']} to delete{renamed}.")


def value_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def expand(fields: tuple[FieldDiff, ...]) -> list[FieldDiff]:
    """Mappings (env, volumes...) read better key by key than as two whole blobs."""
    lines: list[FieldDiff] = []
    for diff in fields:
        old, new = diff.old, diff.new
        if isinstance(old, dict | None) and isinstance(new, dict | None) and (old or new):
            for key in sorted(set(old or {}) | set(new or {})):
                before, after = (old or {}).get(key), (new or {}).get(key)
                if before != after:
                    lines.append(FieldDiff(f"{diff.field}.{key}", before, after, diff.forces_replacement))
        else:
            lines.append(diff)
    return lines


def field_line(diff: FieldDiff) -> tuple[str, str]:
    """(symbol, text) for one field."""
    note = "  # forces replacement" if diff.forces_replacement else ""
    if diff.old is None:
        return "+", f"{diff.field}: {value_text(diff.new)}{note}"
    if diff.new is None:
        return "-", f"{diff.field}: {value_text(diff.old)}{note}"
    return "~", f"{diff.field}: {value_text(diff.old)} -> {value_text(diff.new)}{note}"


def _style(text: str, action: str, color: bool) -> str:
    return click.style(text, fg=COLOURS.get(action), bold=True) if color else text


def change_block(change: Change, color: bool, plan: Plan | None = None) -> list[str]:
    ids = f" [{', '.join(change.live_ids)}]" if change.live_ids else ""
    header = f"  # {change.kind} {change.name} in {change.namespace}{ids} will be {VERBS[change.action]}"
    lines = [header, *([f"  # moved from {change.moved_from}"] if change.moved_from else []), f"    {change.reason}"]
    symbol = SYMBOLS[change.action]
    lines.append(_style(f"{symbol:>3} {change.kind} \"{change.name}\"", change.action, color) + " {")
    for diff in expand(change.fields):
        mark, text = field_line(diff)
        lines.append(f"      {mark} {text}")
    lines += webhook_lines(change, lambda diff: " ".join(field_line(diff)), "      ")
    lines.append("    }")
    if change.blocked:
        lines.append(_style(f"    ! blocked: {change.blocked}", "delete", color))
    for conflict in plan.conflicts_of(change) if plan else ():
        lines.append(_style(f"    ! look-alike: {conflict.message}", "update", color))
    return lines


def render_plan(plan: Plan, *, color: bool = False) -> str:
    where = f"project {plan.project}, environment {plan.environment or 'default'}"
    scope = ""
    if plan.left_out:
        count = len(plan.left_out)
        scope = (f"Only the --target jobs were planned; {count} other job{'s' if count != 1 else ''} left out: "
                 f"{', '.join(plan.left_out[:10])}{', ...' if count > 10 else ''}.\n")
    if not plan.has_changes:
        matched = "the targeted jobs match the manifests" if plan.left_out else "the Hub matches the manifests"
        return f"{where}: {matched}.\n{scope}\n{summary_line(plan)}\n"
    symbols = "+ create, <= import, ~ update in place" if plan.summary["import"] else "+ create, ~ update in place"
    lines = [f"{where}. Symbols: {symbols}, -/+ replace, - delete.", *([scope.rstrip()] if scope
                                                                                         else []), ""]
    for group, changes in grouped(plan.pending):
        if group is not None:
            lines += [f"  ## {group_title(group, changes)}", ""]
        for change in changes:
            lines += change_block(change, color, plan)
            lines.append("")
    if plan.reads:
        lines += [*secret_lines(plan), ""]
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"


def secret_lines(plan: Plan) -> list[str]:
    """What apply will read (never a value), and which of it was missing where the plan was made."""
    width = max(len(read.variable) for read in plan.reads)
    lines = ["Apply will read these variables for the jobs it creates:"]
    for read in plan.reads:
        missing = "  (not set here: apply needs it)" if read.variable in plan.unset else ""
        lines.append(f"  {read.variable:<{width}}  {read.job} ({read.source}){missing}")
    return lines
