"""What apply did: a line per change as it finishes, and a closing summary."""

from __future__ import annotations

import json
from typing import Any

from hfjobs_spec.output.plan_text import VERBS
from hfjobs_spec.reconcile.execute import ApplyReport, ChangeEvent
from hfjobs_spec.reconcile.plan import Plan


def event_line(event: ChangeEvent) -> str | None:
    change = event.change
    label = f"{change.kind} {change.name}"
    if event.kind == "started":
        return None
    result = event.result
    if result is not None and result.ok:
        created = f" (new id {', '.join(result.created)})" if result.created else ""
        return f"done    {label}: {VERBS[change.action]}{created}"
    error = result.error if result else "unknown error"
    return f"FAILED  {label}: {error}"


def render_report(report: ApplyReport, command: str = "apply") -> str:
    lines = []
    if report.failed:
        lines.append("")
        lines.append("Failed changes:")
        lines += [f"  - {r.change.kind} {r.change.name} ({r.change.action}): {r.error}" for r in report.failed]
    if report.not_started:
        lines.append("")
        lines.append("Not started:")
        lines += [f"  - {c.kind} {c.name} ({c.action})" for c in report.not_started]
    done = len(report.succeeded)
    verb = command.capitalize()
    head = f"{verb} interrupted" if report.interrupted else (f"{verb} complete" if report.ok else f"{verb} failed")
    lines.append("")
    lines.append(f"{head}: {done} succeeded, {len(report.failed)} failed, {len(report.not_started)} not started.")
    if not report.ok:
        lines.append(f"Nothing was rolled back. Run {command} again: it picks up from the current state on the Hub.")
    return "\n".join(lines).lstrip("\n") + "\n"


def render_report_json(plan: Plan, report: ApplyReport | None) -> str:
    """The report for scripts: every change with its outcome, and what was not started."""
    data: dict[str, Any] = {
        "project": plan.project,
        "environment": plan.environment,
        "summary": plan.summary,
        "ok": report is None or report.ok,
        "interrupted": bool(report and report.interrupted),
        "results": [],
        "not_started": [],
    }
    if report is not None:
        data["results"] = [{"name": r.change.name, "kind": r.change.kind, "action": r.change.action, "ok": r.ok,
                            "error": r.error, "created": list(r.created)} for r in report.results]
        data["not_started"] = [{"name": c.name, "kind": c.kind, "action": c.action} for c in report.not_started]
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
