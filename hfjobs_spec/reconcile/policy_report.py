"""What a plan records about policy: the rules in force, and every finding (broken, or overridden).

A saved plan is compared whole with a fresh one, so the rules (with where they are set) are part of
it: a plan reviewed under one policy is stale under another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hfjobs_spec.policy.model import RULES, Rule, RuleSource

# Every blocked reason a policy finding writes starts so, which tells it from a `protect` block.
BLOCK_PREFIX = "policy "


@dataclass(frozen=True, order=True)
class PolicyFinding:
    """One rule broken by one job (`job`), or by the environment's total (`job` empty).

    `where` is the manifest's file:line for a static rule; cost rules give the limit, the value and
    the excess in micro-dollars. `overridden`: a reviewer accepted it with `--policy-override`.
    """

    rule: str
    job: str
    message: str
    overridden: bool = False
    where: str = ""
    limit_micro_usd: int | None = None
    value_micro_usd: int | None = None

    @property
    def over_micro_usd(self) -> int | None:
        if self.limit_micro_usd is None or self.value_micro_usd is None:
            return None
        return self.value_micro_usd - self.limit_micro_usd

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "job": self.job, "message": self.message, "overridden": self.overridden,
                "where": self.where, "limit_micro_usd": self.limit_micro_usd,
                "value_micro_usd": self.value_micro_usd, "over_micro_usd": self.over_micro_usd}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyFinding:
        return cls(data["rule"], data["job"], data["message"], data["overridden"], data["where"],
                   data["limit_micro_usd"], data["value_micro_usd"])


@dataclass(frozen=True)
class PolicyReport:
    """The policy a plan was held to, what broke it, and the overrides that were not needed."""

    rules: tuple[Rule, ...] = ()
    findings: tuple[PolicyFinding, ...] = ()
    unused_overrides: tuple[str, ...] = ()

    @property
    def blocking(self) -> tuple[PolicyFinding, ...]:
        return tuple(finding for finding in self.findings if not finding.overridden)

    @property
    def overridden(self) -> tuple[PolicyFinding, ...]:
        return tuple(finding for finding in self.findings if finding.overridden)

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [rule.to_dict() for rule in self.rules],
                "findings": [finding.to_dict() for finding in self.findings],
                "unused_overrides": list(self.unused_overrides)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyReport:
        rules = tuple(Rule(r["rule"], tuple(r["value"]) if isinstance(r["value"], list) else r["value"],
                           RuleSource(r["file"], r["line"], r["environment"])) for r in data["rules"])
        return cls(rules, tuple(PolicyFinding.from_dict(f) for f in data["findings"]),
                   tuple(data["unused_overrides"]))


_RULE = {
    "type": "object", "additionalProperties": False, "required": ["rule", "value", "file", "line", "environment"],
    "properties": {"rule": {"enum": list(RULES)},
                   "value": {"type": ["array", "boolean", "integer"], "items": {"type": "string"}},
                   "file": {"type": "string"}, "line": {"type": "integer", "minimum": 0},
                   "environment": {"type": ["string", "null"]}},
}
_AMOUNT = {"type": ["integer", "null"]}
_FINDING = {
    "type": "object", "additionalProperties": False,
    "required": ["rule", "job", "message", "overridden", "where", "limit_micro_usd", "value_micro_usd",
                 "over_micro_usd"],
    "properties": {"rule": {"enum": list(RULES)}, "job": {"type": "string"}, "message": {"type": "string"},
                   "overridden": {"type": "boolean"}, "where": {"type": "string"}, "limit_micro_usd": _AMOUNT,
                   "value_micro_usd": _AMOUNT, "over_micro_usd": _AMOUNT},
}
# The `policy` object of a plan file, for `plan_file`'s strict schema.
POLICY_REPORT_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["rules", "findings", "unused_overrides"],
    "properties": {"rules": {"type": "array", "items": _RULE}, "findings": {"type": "array", "items": _FINDING},
                   "unused_overrides": {"type": "array", "items": {"enum": list(RULES)}}},
}
