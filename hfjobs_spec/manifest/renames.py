"""Checks across the manifests of a project: `previous_names` and labels of other tools.

A rename must be unambiguous before any plan reads the Hub: a previous name names one earlier job
of one manifest, never a job declared now, and a manifest label must never make the job it creates
look like another tool's (the next plan would not recognise it, and create it again).
"""

from __future__ import annotations

from collections.abc import Sequence

from hfjobs_spec import labels
from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.model import JobSpec, SourceRef
from hfjobs_spec.manifest.yaml_source import Located, Path_, format_path


def cross_issues(jobs: Sequence[tuple[Located, JobSpec]], declared: dict[str, SourceRef],
                 foreign_prefixes: Sequence[str]) -> list[ManifestIssue]:
    """Problems of `previous_names` and foreign labels, at file:line:column of the offending item.

    `declared` maps every job name found in the files (valid job or not) to where it is declared.
    """
    issues: list[ManifestIssue] = []
    claimed: dict[str, tuple[str, SourceRef]] = {}
    for doc, spec in jobs:
        for index, old in enumerate(spec.previous_names):
            path: Path_ = ("previous_names", index)
            if old == spec.name:
                issues.append(_issue(doc, path, f"{old!r} is this job's own name; list only names it had before"))
            elif old in declared:
                where = declared[old]
                issues.append(_issue(doc, path, f"{old!r} is the name of the job declared at {where.file}:"
                                                f"{where.line}; a name is either a job's or a previous one, "
                                                "never both"))
            elif old in claimed:
                other, where = claimed[old]
                issues.append(_issue(doc, path, f"{old!r} is already a previous name of {other!r} ({where.file}:"
                                                f"{where.line}); a job can be renamed into one manifest only"))
            else:
                claimed[old] = (spec.name, SourceRef(doc.start.file, doc.start.line))
        for key, _ in spec.labels:
            marker = labels.foreign_label({key: ""}, foreign_prefixes)
            if marker is not None:
                prefix = next(p for p in foreign_prefixes if key.startswith(p))
                issues.append(_issue(doc, ("labels", key), f"label key {key!r} starts with {prefix!r}, a label "
                                                           "prefix of another tool (foreign_label_prefixes): the "
                                                           "job would not be recognised as this project's",
                                     key=True))
    return issues


def _issue(doc: Located, path: Path_, message: str, *, key: bool = False) -> ManifestIssue:
    position = doc.position(path, key=key)
    return ManifestIssue(position.file, position.line, position.column, format_path(path), message)
