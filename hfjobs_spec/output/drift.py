"""Drift reports: for a terminal, as stable JSON, and as the body of the one drift issue."""

from __future__ import annotations

import json

from hfjobs_spec.output.markdown import MAX_CHARS, RunContext, fence, inline, marker
from hfjobs_spec.output.plan_text import value_text
from hfjobs_spec.reconcile.drift import DriftItem, DriftReport

TITLES = {"deleted": "deleted by hand", "edited": "edited by hand", "duplicate": "duplicated",
          "unmanaged": "unmanaged copies"}
SYMBOL = {"deleted": "-", "edited": "!", "duplicate": "+", "unmanaged": "+"}


def drift_marker(project: str, environment: str | None) -> str:
    return marker("drift", project, environment)


def drift_summary(report: DriftReport) -> str:
    where = f"project {report.project}, environment {report.environment or 'default'}"
    if not report.has_drift:
        return f"No drift: the Hub matches what was applied from git ({where})."
    parts = [f"{count} {TITLES[kind]}" for kind, count in report.counts.items() if count]
    return f"Drift: {', '.join(parts)} ({where})."


def _item_lines(item: DriftItem) -> list[str]:
    ident = f" [{item.live_id}]" if item.live_id else ""
    lines = [f"{SYMBOL[item.kind]} {item.kind:<9} {item.job_kind} {item.name} in {item.namespace}{ident}",
             f"    {item.detail}"]
    lines += [f"    {f.field}: Hub {value_text(f.old)}, git {value_text(f.new)}" for f in item.fields]
    return lines


def _not_applied(report: DriftReport) -> str:
    if not report.not_applied:
        return ""
    return (f"Not on the Hub and no trace of it ever being there (not applied yet, or deleted before it ran; "
            f"not counted as drift): {', '.join(report.not_applied)}\n")


def render_drift(report: DriftReport) -> str:
    lines = [line for item in report.items for line in _item_lines(item)]
    body = "\n".join(lines) + "\n\n" if lines else ""
    return body + _not_applied(report) + drift_summary(report) + "\n"


def render_drift_json(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_drift_markdown(report: DriftReport, *, context: RunContext | None = None,
                          max_chars: int = MAX_CHARS) -> str:
    context = context or RunContext()
    head = (f"{drift_marker(report.project, report.environment)}\n"
            f"### hfjobs-spec drift · `{report.project}` · environment `{report.environment or 'default'}`\n\n")
    if not report.has_drift:
        return head + f"✅ **{drift_summary(report)}**\n" + context.footer()
    lines = [line for item in report.items for line in _item_lines(item)]
    tail = ("\nRun `hfjobs-spec plan` to see every change, and `hfjobs-spec apply` (or merge to the default "
            "branch) to set the Hub back to git. To keep a change made by hand, put it in the manifest.\n"
            + (f"\n{inline(_not_applied(report))}" if report.not_applied else "") + context.footer())
    budget = max_chars - len(head) - len(tail) - 300
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 1 > budget:
            break
        kept.append(line)
    cut = f"\n> {len(lines) - len(kept):,} more lines left out.\n" if len(kept) < len(lines) else ""
    return head + f"⚠️ **{drift_summary(report)}**\n\n" + fence("\n".join(kept), "diff") + cut + tail
