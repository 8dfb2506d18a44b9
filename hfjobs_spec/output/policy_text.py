"""The policy part of a plan, for the terminal and for a pull-request comment: what broke which rule,
by how much, and what a reviewer overrode. Nothing at all when no rule had anything to say."""

from __future__ import annotations

from hfjobs_spec.output.markdown import inline
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.policy_report import BLOCK_PREFIX, PolicyFinding


def policy_lines(plan: Plan) -> list[str]:
    """Lines under the plan's summary: each finding, then the overrides nothing needed."""
    report = plan.policy
    if report is None or not (report.findings or report.unused_overrides):
        return []
    lines = ["Policy:"]
    for finding in report.findings:
        lines.append(f"  {_mark(finding)} {_text(finding)}")
    for rule in report.unused_overrides:
        lines.append(f"  note: --policy-override {rule}: nothing in this plan breaks {rule}")
    return lines


def policy_markdown(plan: Plan) -> str:
    """A section of the comment: blocked findings first, then the overridden ones (never silent)."""
    report = plan.policy
    if report is None or not report.findings:
        return ""
    rows = [f"- {'⛔' if not f.overridden else '⚠️'} {inline(_text(f))}" for f in report.findings]
    return "\n**Policy**\n\n" + "\n".join(rows) + "\n"


def policy_verdict(plan: Plan) -> str:
    """What the verdict line says about blocked changes: by protect, by policy, or both."""
    blocking = plan.policy.blocking if plan.policy is not None else ()
    if not blocking:
        return "blocked by `protect: true`"
    rules = ", ".join(sorted({f"`{f.rule}`" for f in blocking}))
    protected = any(not (c.blocked or "").startswith(BLOCK_PREFIX) for c in plan.blocked)
    return f"blocked by policy ({rules}){' or by `protect: true`' if protected else ''}"


def _mark(finding: PolicyFinding) -> str:
    return "overridden:" if finding.overridden else "BLOCKED:"


def _text(finding: PolicyFinding) -> str:
    where = f"{finding.where}: " if finding.where else ""
    accepted = f" (accepted with --policy-override {finding.rule})" if finding.overridden else ""
    return f"{where}{finding.message}{accepted}"
