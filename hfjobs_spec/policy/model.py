"""The policy of one project environment: each rule's value and where in `hfjobs.yaml` it is set."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hfjobs_spec.errors import ManifestIssue

# Every rule, in the order the project file documents them. `--policy-override` takes one of these.
STATIC_RULES: tuple[str, ...] = (
    "allowed_flavors", "max_timeout", "max_attempts", "required_labels", "allow_public_ports",
    "allowed_namespaces", "require_protect",
)
COST_RULES: tuple[str, ...] = ("max_run_cost", "max_monthly_cost")
RULES: tuple[str, ...] = (*STATIC_RULES, *COST_RULES)
# Rules in force when the project file does not set them: a public port needs saying so.
DEFAULTS: dict[str, Any] = {"allow_public_ports": False}


@dataclass(frozen=True, order=True)
class RuleSource:
    """Where a rule is set: a line of the project file, at its top level or in one environment."""

    file: str
    line: int
    environment: str | None = None

    def describe(self) -> str:
        if self.line == 0:  # a rule in force by default, written nowhere
            return f"the default: not set in {self.file}"
        where = f"{self.file}:{self.line}"
        return f"{where}, environment {self.environment}" if self.environment else where


@dataclass(frozen=True)
class Rule:
    """One rule in force. `value` is already parsed: patterns (a tuple), seconds, a count, money (integer
    micro-dollars, like every amount in a plan), a flag."""

    name: str
    value: Any
    source: RuleSource

    def shown(self) -> str:
        """The value as a message quotes it."""
        return duration(self.value) if self.name == "max_timeout" else show_value(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.name, "value": json_value(self.value), "file": self.source.file,
                "line": self.source.line, "environment": self.source.environment}


@dataclass(frozen=True)
class Policy:
    """The rules in force for one environment: the environment's own, else the project file's top level.

    An environment's rule replaces the top-level rule of the same name whole (a list is not merged):
    what a reviewer reads in the environment is all that applies to it.
    """

    rules: tuple[Rule, ...] = ()

    def get(self, name: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.name == name), None)

    def to_dict(self) -> list[dict[str, Any]]:
        return [rule.to_dict() for rule in sorted(self.rules, key=lambda r: RULES.index(r.name))]


@dataclass(frozen=True, order=True)
class Violation:
    """A rule a job (or the project's total) breaks. `field` is the job field at fault, as a path."""

    rule: str
    job: str
    message: str
    field: tuple[str | int, ...] = ()


def check_override_names(names: Iterable[str]) -> str | None:
    """A message for the first name that is no rule (with a did-you-mean), or None if all are rules."""
    for name in names:
        if name not in RULES:
            close = difflib.get_close_matches(name, RULES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"{name!r} is not a policy rule{hint} (rules: {', '.join(RULES)})"
    return None


def duration(seconds: int) -> str:
    """Seconds as a person writes them: 7200 -> `2h`, 90 -> `90s`."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def json_value(value: Any) -> Any:
    """The value in a plan's JSON: lists as lists (money is already integer micro-dollars)."""
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True, order=True)
class LocatedViolation:
    """A static violation placed at the manifest's file:line (`issue`), under the rule it breaks."""

    rule: str
    job: str
    issue: ManifestIssue
