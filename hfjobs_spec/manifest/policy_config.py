"""`policy:` in hfjobs.yaml: parsed into a `Policy` with where each rule is set, with located errors.

The schema has checked shapes; this reads values (durations, money, patterns) and refuses what the
schema cannot see: a flavor pattern that matches no flavor, a reserved label, a timeout out of range.
Every environment's policy is checked, selected or not, so a bad prod rule fails every pull request.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hfjobs_spec import labels
from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.flavors import FLAVORS
from hfjobs_spec.manifest.schema import MAX_TIMEOUT_SECONDS, NAMESPACE_PATTERN, TIMEOUT_TOO_LONG
from hfjobs_spec.manifest.schema_check import did_you_mean
from hfjobs_spec.manifest.semantics import parse_timeout, timeout_seconds
from hfjobs_spec.manifest.yaml_source import Located, Path_, format_path
from hfjobs_spec.policy.model import DEFAULTS, RULES, Policy, Rule, RuleSource
from hfjobs_spec.policy.static import matches

_NAMESPACE = re.compile(NAMESPACE_PATTERN)
_GLOB = re.compile(r"[*?\[]")
MICRO_USD = 1_000_000  # as `reconcile.cost.MICRO`: every amount of money is integer micro-dollars


def read_policy(located: Located, environment: str | None) -> tuple[Policy, list[ManifestIssue]]:
    """The policy in force for `environment` (None: the top level), and every problem of every policy."""
    data: dict[str, Any] = located.data
    issues = _issues(located, ("policy",), data.get("policy", {}))
    for name, env in data.get("environments", {}).items():
        issues += _issues(located, ("environments", name, "policy"), env.get("policy", {}))
    if issues:
        return Policy(), issues
    rules = {name: Rule(name, value, RuleSource(located.start.file, 0)) for name, value in DEFAULTS.items()}
    rules.update({rule.name: rule for rule in _rules(located, ("policy",), data.get("policy", {}), None)})
    if environment is not None:
        chosen = data.get("environments", {}).get(environment, {}).get("policy", {})
        path = ("environments", environment, "policy")
        rules.update({rule.name: rule for rule in _rules(located, path, chosen, environment)})
    return Policy(tuple(rules[name] for name in RULES if name in rules)), []


def parse_money(value: int | float | str) -> int:
    """`12.5`, `"12.50"` and `"$12.50"` -> 12_500_000: integer micro-dollars, exact for text (at most 6
    decimals); a YAML float is read from its shortest text and rounded to the micro-dollar."""
    text = value.lstrip("$") if isinstance(value, str) else str(value)
    return int((Decimal(text) * MICRO_USD).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rules(located: Located, path: Path_, policy: dict[str, Any], environment: str | None) -> list[Rule]:
    found = []
    for name, raw in policy.items():
        position = located.position((*path, name), key=True)
        found.append(Rule(name, _value(name, raw), RuleSource(position.file, position.line, environment)))
    return found


def _value(name: str, raw: Any) -> Any:
    if name == "max_timeout":
        return parse_timeout(raw)
    if name in ("max_run_cost", "max_monthly_cost"):
        return parse_money(raw)
    if isinstance(raw, list):
        return tuple(raw)
    return raw


def _issues(located: Located, path: Path_, policy: dict[str, Any]) -> list[ManifestIssue]:
    found: list[tuple[Path_, str]] = []
    for index, pattern in enumerate(policy.get("allowed_flavors", ())):
        if not any(matches(flavor, (pattern,)) for flavor in FLAVORS):
            found.append((("allowed_flavors", index), f"{pattern!r} matches no flavor the Hub offers"
                                                      f"{did_you_mean(pattern, FLAVORS)}"))
    if "max_timeout" in policy:
        seconds = timeout_seconds(policy["max_timeout"])
        if seconds < 1:
            found.append((("max_timeout",), "must be at least 1 second"))
        elif seconds > MAX_TIMEOUT_SECONDS:
            found.append((("max_timeout",), TIMEOUT_TOO_LONG))
    for index, name in enumerate(policy.get("required_labels", ())):
        if labels.is_reserved(name):
            found.append((("required_labels", index), f"{name!r} is set by hfjobs-spec itself on every job; "
                                                      "require a label of your own"))
    for index, pattern in enumerate(policy.get("allowed_namespaces", ())):
        if not _GLOB.search(pattern) and not _NAMESPACE.fullmatch(pattern):
            found.append((("allowed_namespaces", index), f"{pattern!r} is neither a namespace nor a shell pattern"))
    issues = []
    for where, message in found:
        position = located.position((*path, *where))
        issues.append(ManifestIssue(position.file, position.line, position.column, format_path((*path, *where)),
                                    message))
    return issues
