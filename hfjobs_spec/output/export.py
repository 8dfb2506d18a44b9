"""`export` reports: what was written (with what the reviewer must know), what was left out and why."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hfjobs_spec.manifest.tokens import safe_text
from hfjobs_spec.reconcile.export import ExportResult, Skipped

JSON_FORMAT_VERSION = 1
_SHOWN_IDS = 5


def shown_path(path: Path) -> str:
    """A path as the user typed it would be: relative to the working folder when that is shorter."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return relative if not relative.startswith("..") or len(relative) < len(str(path)) else str(path)


def _what(kind: str, job_id: str, hub_name: str | None) -> str:
    noun = "scheduled job" if kind == "scheduled_job" else "job run"
    return f"{noun} {job_id}" + (f" ({hub_name})" if hub_name else "")


def render_export(result: ExportResult) -> str:
    """The text report: each file with its notes, then what was left out, grouped by reason."""
    lines: list[str] = []
    verb = "Would write" if result.dry_run else "Wrote"
    if result.files:
        count = len(result.files)
        lines.append(f"{verb} {count} manifest{'s' if count != 1 else ''} from {result.namespace} "
                     f"to {shown_path(result.out_dir)}/:")
        width = max(len(f.action) for f in result.files)
        paths = [shown_path(f.path) for f in result.files]
        column = max(len(path) for path in paths)
        for exported, path in zip(result.files, paths, strict=True):
            job = exported.job
            lines.append(f"  {exported.action:<{width}}  {path:<{column}}  "
                         f"{_what(job.kind, job.source_id, job.hub_name)}")
            for note in job.notes:
                lines.append(f"      note: {note}")
            if exported.replaces and not job.replaced:
                lines.append(f"      note: the plan will replace this job rather than only import it: "
                             f"{', '.join(exported.replaces)} differ from the Hub's (the project's defaults?)")
    else:
        lines.append(f"Nothing to export from {result.namespace}.")
    if result.files and result.outside_jobs_dir:
        lines.append(f"  note: {shown_path(result.out_dir)} is outside the project's jobs_dir: plan reads these "
                     "manifests only once they are moved there")
    lines += _skipped_lines(result.skipped)
    if result.files and not result.dry_run:
        lines += ["", "Next: review them (and commit), then `hfjobs-spec plan`: each job shows as an import, "
                      "and `apply` adopts it in place (same Hub id); then remove the `import` lines."]
    return "\n".join(safe_text(line) for line in lines) + "\n"


def _skipped_lines(skipped: Sequence[Skipped]) -> list[str]:
    if not skipped:
        return []
    groups: dict[tuple[str, str], list[Skipped]] = {}
    for item in skipped:
        groups.setdefault((item.kind, item.reason), []).append(item)
    lines = ["", "Left out:"]
    for (kind, reason), items in groups.items():
        if len(items) == 1:
            lines.append(f"  {_what(kind, items[0].id, items[0].hub_name)}: {reason}")
            continue
        noun = "scheduled jobs" if kind == "scheduled_job" else "job runs"
        ids = ", ".join(item.id for item in items[:_SHOWN_IDS]) + (", ..." if len(items) > _SHOWN_IDS else "")
        lines.append(f"  {len(items)} {noun} ({ids}): {reason}")
    return lines


def render_export_json(result: ExportResult) -> str:
    document: dict[str, Any] = {
        "format_version": JSON_FORMAT_VERSION,
        "namespace": result.namespace,
        "out_dir": str(result.out_dir),
        "dry_run": result.dry_run,
        "outside_jobs_dir": result.outside_jobs_dir,
        "files": [{"path": str(f.path), "action": f.action, "name": f.job.name, "kind": f.job.kind,
                   "id": f.job.source_id, "hub_name": f.job.hub_name, "notes": list(f.job.notes),
                   "replaces": list(f.replaces)} for f in result.files],
        "skipped": [{"kind": s.kind, "id": s.id, "hub_name": s.hub_name, "reason": s.reason} for s in result.skipped],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
