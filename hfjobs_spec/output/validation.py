"""Validation reports: `path:line:col: error: field: message`, stable JSON, or GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from hfjobs_spec.errors import ManifestIssue

JSON_FORMAT_VERSION = 1


def text_report(issues: Sequence[ManifestIssue], files: int, jobs: int,
                warnings: Sequence[ManifestIssue] = ()) -> str:
    lines = [str(issue) for issue in (*warnings, *issues)]
    if issues:
        noun = "error" if len(issues) == 1 else "errors"
        failing = len({issue.file for issue in issues})
        total = max(files, failing)  # the project file counts when it is the one failing
        lines.append(f"{len(issues)} {noun} in {failing} of {total} file{'s' if total != 1 else ''}")
    else:
        lines.append(f"{jobs} job{'s' if jobs != 1 else ''} valid in {files} file{'s' if files != 1 else ''}")
    return "\n".join(lines) + "\n"


def json_report(issues: Sequence[ManifestIssue], files: Sequence[str], jobs: int,
                warnings: Sequence[ManifestIssue] = ()) -> str:
    document = {
        "format_version": JSON_FORMAT_VERSION,
        "valid": not issues,
        "files": list(files),
        "jobs": jobs,
        "errors": [
            {"file": i.file, "line": i.line, "column": i.column, "field": i.field, "message": i.message}
            for i in issues
        ],
        "warnings": [
            {"file": i.file, "line": i.line, "column": i.column, "field": i.field, "message": i.message}
            for i in warnings
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def github_report(issues: Sequence[ManifestIssue], workspace_prefix: str = "",
                  warnings: Sequence[ManifestIssue] = ()) -> str:
    """Workflow commands GitHub turns into annotations on the pull request's files."""
    lines = []
    for issue in (*warnings, *issues):
        title = _escape_property(f"hfjobs-spec: {issue.field}" if issue.field else "hfjobs-spec")
        where = ""
        if issue.file:
            file = _escape_property(workspace_prefix + issue.file)
            where = f"file={file},line={issue.line},col={issue.column},"
        lines.append(f"::{issue.severity} {where}title={title}::{_escape_data(issue.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")
