"""The rules a manifest alone decides, checked for one job: flavor, timeout, attempts, labels, ports,
namespace and protect. Pure: facts in, violations out; the manifest layer puts them at file:line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from hfjobs_spec.policy.model import Policy, Rule, Violation, duration


@dataclass(frozen=True)
class JobFacts:
    """What the static rules look at in one job, defaults applied. `namespace` None: the token's user."""

    name: str
    flavor: str
    timeout: int
    attempts: int
    labels: frozenset[str]
    expose_public: tuple[int, ...]
    namespace: str | None
    protect: bool


def matches(value: str, patterns: tuple[str, ...]) -> bool:
    """Shell patterns (`a10g-*`, `t4-?mall`), case-sensitive like the Hub's names."""
    return any(fnmatchcase(value, pattern) for pattern in patterns)


def _by(rule: Rule) -> str:
    return f"policy {rule.name} ({rule.source.describe()})"


def _flavors(job: JobFacts, rule: Rule) -> list[Violation]:
    if matches(job.flavor, rule.value):
        return []
    return [Violation(rule.name, job.name, f"flavor {job.flavor!r} is not allowed by {_by(rule)}, which allows "
                                           f"{rule.shown()}", ("flavor",))]


def _timeout(job: JobFacts, rule: Rule) -> list[Violation]:
    if job.timeout <= rule.value:
        return []
    return [Violation(rule.name, job.name, f"timeout {duration(job.timeout)} is over {_by(rule)}, which allows "
                                           f"at most {rule.shown()}", ("timeout",))]


def _attempts(job: JobFacts, rule: Rule) -> list[Violation]:
    if job.attempts <= rule.value:
        return []
    return [Violation(rule.name, job.name, f"{job.attempts} attempts are over {_by(rule)}, which allows at most "
                                           f"{rule.value}", ("attempts",))]


def _labels(job: JobFacts, rule: Rule) -> list[Violation]:
    missing = [name for name in rule.value if name not in job.labels]
    if not missing:
        return []
    return [Violation(rule.name, job.name, f"label{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                                           f"required by {_by(rule)} {'are' if len(missing) > 1 else 'is'} "
                                           "missing", ("labels",))]


def _public_ports(job: JobFacts, rule: Rule) -> list[Violation]:
    if rule.value or not job.expose_public:
        return []
    ports = ", ".join(str(port) for port in job.expose_public)
    return [Violation(rule.name, job.name, f"public port{'s' if len(job.expose_public) > 1 else ''} {ports} "
                                           f"(reachable without authentication) refused by {_by(rule)}; use "
                                           "`expose` for ports behind the Hub's login", ("expose_public",))]


def _namespaces(job: JobFacts, rule: Rule) -> list[Violation]:
    if job.namespace is None or matches(job.namespace, rule.value):  # the token's user: checked by plan
        return []
    return [Violation(rule.name, job.name, f"namespace {job.namespace!r} is not allowed by {_by(rule)}, which "
                                           f"allows {rule.shown()}", ("namespace",))]


def _protect(job: JobFacts, rule: Rule) -> list[Violation]:
    if not rule.value or job.protect:
        return []
    return [Violation(rule.name, job.name, f"{_by(rule)} requires `protect: true` on every job", ("protect",))]


_CHECKS: dict[str, Callable[[JobFacts, Rule], list[Violation]]] = {
    "allowed_flavors": _flavors,
    "max_timeout": _timeout,
    "max_attempts": _attempts,
    "required_labels": _labels,
    "allow_public_ports": _public_ports,
    "allowed_namespaces": _namespaces,
    "require_protect": _protect,
}


def check_job(job: JobFacts, policy: Policy) -> list[Violation]:
    """Every static rule `job` breaks, in the order of the rules."""
    return [found for name, check in _CHECKS.items() if (rule := policy.get(name)) is not None
            for found in check(job, rule)]


def check_namespace(job: str, namespace: str, policy: Policy) -> list[Violation]:
    """`allowed_namespaces` for a job whose namespace is known only at plan time (the token's user)."""
    rule = policy.get("allowed_namespaces")
    if rule is None or matches(namespace, rule.value):
        return []
    return [Violation(rule.name, job, f"namespace {namespace!r} (the token's user) is not allowed by {_by(rule)}, "
                                      f"which allows {rule.shown()}", ("namespace",))]
