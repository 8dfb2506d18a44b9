"""The policy pass after the cost pass: hold a priced plan to the project's rules, block what breaks them.

Pure: the plan (with its costs), the policy, the overrides and the static findings are inputs.

- `max_run_cost`: every change that leaves a job behind (create, import, update, replace) is held to
  it: the most one run of the job can cost (price x timeout x attempts).
- `max_monthly_cost`: the environment's total for the cost window (the schedules' monthly ceilings
  plus the runs this plan starts) is held to it. When it is over, the changes that add cost are
  blocked; a plan that adds nothing (or lowers the bill) is never blocked, so it can always be fixed.
- An amount that cannot be priced cannot be checked: the change is blocked, never waved through. So is
  a cost-adding change of a `--target` plan under `max_monthly_cost`: its total leaves the others out.
- A finding whose rule is in `overrides` is kept in the plan, marked overridden, and blocks nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from hfjobs_spec.policy.model import LocatedViolation, Policy, Rule, Violation
from hfjobs_spec.reconcile.cost import MICRO, format_delta, format_usd
from hfjobs_spec.reconcile.plan import Change, Plan
from hfjobs_spec.reconcile.policy_report import BLOCK_PREFIX, PolicyFinding, PolicyReport


@dataclass(frozen=True)
class PolicyInput:
    """What the pass needs besides the plan: the rules, the overrides asked for, and the static
    violations found before the plan (overridden ones from the manifests, late ones from the token)."""

    policy: Policy
    overrides: frozenset[str] = frozenset()
    static: tuple[LocatedViolation, ...] = ()
    late: tuple[Violation, ...] = field(default=())


@dataclass
class _Found:
    finding: PolicyFinding
    changes: list[int]  # indexes of the changes it blocks (unless overridden)


def with_policy(plan: Plan, given: PolicyInput) -> Plan:
    """`plan` with its `PolicyReport`, and the changes that break an unoverridden rule blocked."""
    found: list[_Found] = []
    for located in given.static:
        issue = located.issue
        message = f"{issue.field}: {issue.message}" if issue.field else issue.message
        found.append(_Found(PolicyFinding(located.rule, located.job, message,
                                          where=f"{issue.file}:{issue.line}:{issue.column}"), []))
    for violation in given.late:
        indexes = [i for i, c in enumerate(plan.changes) if c.name == violation.job and c.action != "noop"]
        found.append(_Found(PolicyFinding(violation.rule, violation.job, violation.message), indexes))
    run_rule, month_rule = given.policy.get("max_run_cost"), given.policy.get("max_monthly_cost")
    if run_rule is not None:
        found += _run_costs(plan, run_rule)
    if month_rule is not None:
        found += _monthly_cost(plan, month_rule)
    findings = [dataclasses.replace(f.finding, overridden=f.finding.rule in given.overrides) for f in found]
    reasons: dict[int, list[str]] = {}
    for item, finding in zip(found, findings, strict=True):
        if not finding.overridden:
            for index in item.changes:
                reasons.setdefault(index, []).append(finding.message)
    changes = tuple(_blocked(change, reasons.get(index, [])) for index, change in enumerate(plan.changes))
    used = {finding.rule for finding in findings}
    report = PolicyReport(rules=given.policy.rules, findings=tuple(sorted(findings)),
                          unused_overrides=tuple(sorted(given.overrides - used)))
    return dataclasses.replace(plan, changes=changes, policy=report)


def _blocked(change: Change, reasons: Sequence[str]) -> Change:
    if not reasons:
        return change
    text = "; ".join(reasons) if change.blocked is None else "; ".join((change.blocked, *reasons))
    return dataclasses.replace(change, blocked=text)


def _source(rule: Rule) -> str:
    return f"{BLOCK_PREFIX}{rule.name} ({rule.source.describe()})"


def _run_costs(plan: Plan, rule: Rule) -> list[_Found]:
    found = []
    for index, change in enumerate(plan.changes):
        if change.action in ("noop", "delete"):
            continue
        cost = change.cost
        after = cost.after if cost is not None else None
        if cost is None or after is None:
            if cost is None:  # not priced at all
                found.append(_Found(PolicyFinding(rule.name, change.name, f"{_source(rule)}: the cost of "
                                                  f"{change.name} cannot be checked: the plan has no prices"),
                                    [index]))
            continue
        ceiling = after.run_ceiling_micro_usd
        if ceiling is None:
            reason = _unpriced(plan, after.flavor)
            found.append(_Found(PolicyFinding(rule.name, change.name, f"{_source(rule)}: one run of {change.name} "
                                              f"cannot be checked: {reason}"), [index]))
        elif ceiling > rule.value:
            message = (f"{_source(rule)}: one run of {change.name} can cost up to {_usd(ceiling, rule.value)} "
                       f"({after.flavor}, {after.attempts} x {after.timeout_seconds:,} s), over the limit of "
                       f"{format_usd(rule.value)} by {format_usd(ceiling - rule.value)}")
            found.append(_Found(PolicyFinding(rule.name, change.name, message, limit_micro_usd=rule.value,
                                              value_micro_usd=ceiling), [index]))
    return found


def _monthly_cost(plan: Plan, rule: Rule) -> list[_Found]:
    adding = [i for i, c in enumerate(plan.changes) if c.action != "noop" and _adds_cost(c)]
    if not adding:
        return []
    environment = plan.environment or "default"
    if plan.cost is None:
        return [_Found(PolicyFinding(rule.name, "", f"{_source(rule)}: the monthly cost of environment "
                                     f"{environment} cannot be checked: the plan has no prices"), adding)]
    if plan.options.targets:  # the jobs left out of a --target plan are not in its total
        return [_Found(PolicyFinding(rule.name, "", f"{_source(rule)}: the monthly cost of environment "
                                     f"{environment} cannot be checked in a --target plan, whose total leaves "
                                     "the other jobs out; plan without --target"), adding)]
    total = plan.cost.total
    value = total.monthly_after + total.one_off
    unknown = sorted(set(total.unknown))
    if value <= rule.value and not unknown:
        return []
    shares = ", ".join(f"{plan.changes[i].name} {_share(plan.changes[i])}" for i in adding[:10])
    more = f" and {len(adding) - 10} more" if len(adding) > 10 else ""
    if value <= rule.value:
        message = (f"{_source(rule)}: the {plan.cost.days}-day cost of environment {environment} cannot be "
                   f"checked: {', '.join(unknown[:10])} could not be priced ({_unpriced(plan, None)}); "
                   f"the rest comes to {format_usd(value)} of the {format_usd(rule.value)} allowed")
        return [_Found(PolicyFinding(rule.name, "", message), adding)]
    lower_bound = " at least" if unknown else ""
    message = (f"{_source(rule)}: the jobs of environment {environment} can cost{lower_bound} up to "
               f"{_usd(value, rule.value)} in {plan.cost.days} days at their ceilings, over the limit of "
               f"{format_usd(rule.value)} by {format_usd(value - rule.value)} (adding cost: {shares}{more})")
    return [_Found(PolicyFinding(rule.name, "", message, limit_micro_usd=rule.value, value_micro_usd=value),
                   adding)]


def _usd(value: int, limit: int) -> str:
    """`value` as `format_usd` shows it, or exactly when that would read the same as the limit ($1.00002)."""
    shown = format_usd(value)
    if shown != format_usd(limit):
        return shown
    return f"${(Decimal(value) / MICRO).normalize():,f}"


def _adds_cost(change: Change) -> bool:
    cost = change.cost
    if cost is None:
        return change.action != "delete"
    return cost.monthly_delta > 0 or (cost.one_off_micro_usd or 0) > 0 or (cost.unknown and cost.after is not None)


def _share(change: Change) -> str:
    cost = change.cost
    if cost is None or cost.unknown:
        return "(price unknown)"
    parts = [f"{format_delta(cost.monthly_delta)} a month"] if cost.monthly_delta > 0 else []
    if cost.one_off_micro_usd:
        parts.append(f"{format_usd(cost.one_off_micro_usd)} for the run it starts")
    return "(" + ", ".join(parts) + ")"


def _unpriced(plan: Plan, flavor: str | None) -> str:
    error = plan.cost.prices.error if plan.cost is not None else None
    if error:
        return f"the Hub's prices are unavailable ({error})"
    return f"the Hub lists no price for {flavor}" if flavor else "the Hub lists no price for their flavors"

