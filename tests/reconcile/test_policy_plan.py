"""The policy pass over a priced plan, as pure data: what blocks, what never blocks, what is only noted."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfjobs_spec.errors import ManifestIssue, PlanError
from hfjobs_spec.policy.model import LocatedViolation, Policy, Rule, RuleSource
from hfjobs_spec.policy.static import check_namespace
from hfjobs_spec.reconcile.cost import ChangeCost, CostTotal, JobCost, PlanCost, PriceTable, total_cost
from hfjobs_spec.reconcile.plan import Change, Plan, PlanOptions
from hfjobs_spec.reconcile.plan_file import read_plan_file
from hfjobs_spec.reconcile.policy_plan import PolicyInput, with_policy
from hfjobs_spec.reconcile.policy_report import PolicyReport

WHERE = RuleSource("hfjobs.yaml", 4, "prod")


def scheduled(monthly: int | None, run: int | None = 1_000_000, flavor: str = "a10g-small") -> JobCost:
    known = monthly is not None
    return JobCost(flavor, 3600, 1, "@daily", unit_cost_micro_usd=1 if known else None,
                   unit_label="second" if known else None, run_ceiling_micro_usd=run if known else None,
                   runs=30 if known else None, monthly_ceiling_micro_usd=monthly)


def change(name: str, action: str, before: JobCost | None, after: JobCost | None) -> Change:
    return Change(name, "scheduled_job", action, "why", "acme",  # type: ignore[arg-type]
                  cost=ChangeCost(before, after))


def plan(*changes: Change, error: str | None = None) -> Plan:
    total = total_cost((c.name, c.cost) for c in changes if c.cost is not None)
    cost = PlanCost(datetime(2026, 12, 1, tzinfo=UTC), PriceTable({}, error), total, {"acme": total})
    return Plan("p", "prod", ("acme",), tuple(changes), "d", "l", cost=cost)


def policy(**rules: int) -> Policy:
    return Policy(tuple(Rule(name, value, WHERE) for name, value in rules.items()))


def blocked(result: Plan) -> dict[str, str | None]:
    return {c.name: c.blocked for c in result.changes}


def test_the_monthly_limit_blocks_only_the_changes_that_add_cost() -> None:
    result = with_policy(plan(change("old", "noop", scheduled(40_000_000), scheduled(40_000_000)),
                              change("new", "create", None, scheduled(30_000_000)),
                              change("cut", "update", scheduled(5_000_000), scheduled(1_000_000))),
                         PolicyInput(policy(max_monthly_cost=50_000_000)))
    assert result.policy is not None
    (finding,) = result.policy.findings
    assert (finding.limit_micro_usd, finding.value_micro_usd, finding.over_micro_usd) == (
        50_000_000, 71_000_000, 21_000_000)
    assert blocked(result) == {"old": None, "new": finding.message, "cut": None}
    assert finding.message.startswith("policy max_monthly_cost (hfjobs.yaml:4, environment prod): the jobs of "
                                      "environment prod can cost up to $71.00 in 30 days")
    assert "over the limit of $50.00 by $21.00 (adding cost: new (+$30.00 a month))" in finding.message


def test_a_plan_that_only_lowers_the_bill_is_never_blocked_even_when_still_over() -> None:
    result = with_policy(plan(change("cut", "update", scheduled(90_000_000), scheduled(60_000_000))),
                         PolicyInput(policy(max_monthly_cost=50_000_000)))
    assert result.policy == PolicyReport(rules=policy(max_monthly_cost=50_000_000).rules)
    assert blocked(result) == {"cut": None}


def test_an_unknown_price_cannot_be_checked_so_it_blocks() -> None:
    result = with_policy(plan(change("x", "create", None, scheduled(None)), error="the Hub did not answer"),
                         PolicyInput(policy(max_run_cost=5_000_000, max_monthly_cost=50_000_000)))
    messages = [f.message for f in result.policy.findings] if result.policy else []
    assert any("one run of x cannot be checked: the Hub's prices are unavailable (the Hub did not answer)" in m
               for m in messages)
    assert any("cannot be checked: x could not be priced" in m for m in messages)
    assert blocked(result)["x"] is not None


def test_an_override_keeps_the_finding_and_blocks_nothing_and_protect_still_blocks() -> None:
    expensive = change("big", "create", None, scheduled(1_000_000, run=9_000_000))
    kept = dataclasses.replace(change("kept", "replace", scheduled(1), scheduled(1, run=9_000_000)),
                               blocked="kept has protect: true, which forbids replacing it")
    result = with_policy(plan(expensive, kept), PolicyInput(policy(max_run_cost=5_000_000),
                                                            overrides=frozenset({"max_run_cost", "max_attempts"})))
    assert result.policy is not None
    assert [(f.job, f.overridden) for f in result.policy.findings] == [("big", True), ("kept", True)]
    assert blocked(result) == {"big": None, "kept": "kept has protect: true, which forbids replacing it"}
    assert result.policy.unused_overrides == ("max_attempts",)


def test_static_findings_are_carried_and_late_ones_block_their_job() -> None:
    issue = ManifestIssue("jobs/a.yaml", 5, 9, "flavor", "a: flavor 'h200' is not allowed")
    given = PolicyInput(policy(), overrides=frozenset({"allowed_flavors"}),
                        static=(LocatedViolation("allowed_flavors", "a", issue),))
    late = tuple(check_namespace("b", "alice", Policy((Rule("allowed_namespaces", ("acme",), WHERE),))))
    result = with_policy(plan(change("a", "create", None, scheduled(1)), change("b", "create", None, scheduled(1))),
                         dataclasses.replace(given, late=late))
    assert result.policy is not None
    assert [(f.rule, f.where, f.overridden) for f in result.policy.findings] == [
        ("allowed_flavors", "jobs/a.yaml:5:9", True), ("allowed_namespaces", "", False)]
    assert blocked(result)["a"] is None and "(the token's user) is not allowed" in (blocked(result)["b"] or "")


def test_the_report_round_trips_through_the_plan_json() -> None:
    result = with_policy(plan(change("new", "create", None, scheduled(30_000_000, run=2_000_000))),
                         PolicyInput(policy(max_run_cost=1_000_000, max_monthly_cost=10_000_000)))
    assert Plan.from_dict(result.to_dict()).to_dict() == result.to_dict()
    assert CostTotal.from_dict(result.to_dict()["cost"]["total"]) == result.cost.total  # type: ignore[union-attr]


def test_a_plan_file_with_a_rule_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    result = with_policy(plan(change("new", "create", None, scheduled(30_000_000, run=2_000_000))),
                         PolicyInput(policy(max_run_cost=1_000_000), overrides=frozenset({"max_run_cost"})))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(result.to_dict()))
    assert read_plan_file(path).plan.policy == result.policy
    for section, key, value in (("options", "policy_overrides", ["max_everything"]),
                                ("finding", "rule", "nope"), ("finding", "overridden", "yes")):
        data = result.to_dict()
        (data["options"] if section == "options" else data["policy"]["findings"][0])[key] = value
        path.write_text(json.dumps(data))
        with pytest.raises(PlanError, match="is not a valid plan file"):
            read_plan_file(path)


def test_a_target_plan_cannot_escape_the_monthly_limit() -> None:
    targeted = dataclasses.replace(plan(change("new", "create", None, scheduled(1_000_000))),
                                   options=PlanOptions(targets=("new",)))
    result = with_policy(targeted, PolicyInput(policy(max_monthly_cost=50_000_000)))
    assert "cannot be checked in a --target plan" in (blocked(result)["new"] or "")
