"""The static policy rules held against one loaded job, placed at the manifest's file:line."""

from __future__ import annotations

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.yaml_source import Located, format_path
from hfjobs_spec.policy.model import LocatedViolation, Policy
from hfjobs_spec.policy.static import JobFacts, check_job

# A missing field has no line of its own: these point at the document (its first line).
_WHOLE_DOCUMENT = ("labels", "protect", "namespace")


def job_facts(spec: JobSpec) -> JobFacts:
    return JobFacts(name=spec.name, flavor=spec.flavor, timeout=spec.timeout, attempts=spec.attempts,
                    labels=frozenset(key for key, _ in spec.labels), expose_public=spec.expose_public,
                    namespace=spec.namespace, protect=spec.protect)


def job_violations(spec: JobSpec, document: Located, policy: Policy) -> list[LocatedViolation]:
    """Every static rule `spec` breaks; `document` (defaults applied) tells where each field was set."""
    if not policy.rules:
        return []
    found = []
    for violation in check_job(job_facts(spec), policy):
        path = violation.field
        if path and path[0] in _WHOLE_DOCUMENT and path not in document.nodes:
            position = document.start
        else:
            position = document.position(path)
        issue = ManifestIssue(position.file, position.line, position.column, format_path(path),
                              f"{spec.name}: {violation.message}")
        found.append(LocatedViolation(violation.rule, spec.name, issue))
    return found
