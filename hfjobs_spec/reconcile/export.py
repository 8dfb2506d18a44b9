"""Which Hub jobs `export` turns into manifests, and under which manifest names. Pure: it only sees
what the Hub listed and what the project's manifests already declare.

Exported: unmanaged scheduled jobs and, when asked, unmanaged one-shot runs that a person started
(the latest run of each Hub name: a namespace holds many finished runs of the same job). Left out,
each with its reason: jobs managed by hfjobs-spec, jobs of other tools (their labels), runs a
schedule started (they belong to their scheduled job), earlier runs of a name, jobs a manifest of
the project already imports, and jobs the manifest format cannot express.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.manifest.model import JobKind
from hfjobs_spec.manifest.schema import NAME_MAX_LENGTH, NAME_PATTERN
from hfjobs_spec.reconcile.export_document import ExportedJob, carries_inline_script, job_kind, recover_url_script
from hfjobs_spec.reconcile.live import FOREIGN_INITIATORS

_NAME_RE = re.compile(NAME_PATTERN)
LiveJob = LiveScheduledJob | LiveRun
Action = Literal["created", "overwritten", "would create", "would overwrite"]


@dataclass(frozen=True)
class ExportSelection:
    """What to export: which kinds, and (if any) only the jobs carrying these Hub names."""

    scheduled: bool = True
    runs: bool = False
    names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Declared:
    """What the project's manifests already hold: manifest names, and the Hub ids they import."""

    names: frozenset[str] = frozenset()
    imported_ids: Mapping[str, str] = field(default_factory=dict)  # Hub id -> where (file:line)
    imported_names: Mapping[tuple[JobKind, str], str] = field(default_factory=dict)  # (kind, Hub name) -> where


@dataclass(frozen=True)
class Skipped:
    """A Hub job left out, and why."""

    kind: JobKind
    id: str
    hub_name: str | None
    reason: str


@dataclass(frozen=True)
class Named:
    """A job to export, its manifest name, and what the reviewer must know about that name."""

    job: LiveJob
    name: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chosen:
    jobs: tuple[Named, ...]
    skipped: tuple[Skipped, ...]
    unmatched: tuple[str, ...] = ()  # requested Hub names that no job carries


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    action: Action
    job: ExportedJob
    replaces: tuple[str, ...] = ()  # fields that make the plan replace the job instead of only importing it


@dataclass(frozen=True)
class ExportResult:
    """What `export` wrote (or would write) from `namespace`, and what it left out."""

    namespace: str
    out_dir: Path
    files: tuple[ExportedFile, ...]
    skipped: tuple[Skipped, ...]
    dry_run: bool = False
    outside_jobs_dir: bool = False  # written where plan does not look (outside the project's jobs_dir)


def choose(scheduled: Sequence[LiveScheduledJob], runs: Sequence[LiveRun], selection: ExportSelection, *,
           declared: Declared = Declared(), foreign_prefixes: Iterable[str] = L.FOREIGN_PREFIXES) -> Chosen:
    """The jobs to export (scheduled first, then runs, each in a stable order) with unique names."""
    prefixes = tuple(foreign_prefixes)
    skipped: list[Skipped] = []
    matched: set[str] = set()
    chosen: list[LiveJob] = []
    pools: list[Sequence[LiveJob]] = []
    if selection.scheduled:
        pools.append(sorted(scheduled, key=_order))
    if selection.runs:
        pools.append(sorted(runs, key=_order))
    latest = latest_runs(runs)
    for pool in pools:
        for job in pool:
            hub_name = job.labels.get(L.HUB_NAME)
            if selection.names and hub_name not in selection.names:
                continue
            if hub_name is not None:
                matched.add(hub_name)
            reason = _left_out(job, declared, prefixes, latest)
            if reason is None:
                chosen.append(job)
            elif reason:
                skipped.append(Skipped(job_kind(job), job.id, hub_name, reason))
    named = _assign_names(chosen, declared.names)
    unmatched = tuple(sorted(selection.names - matched))
    return Chosen(jobs=tuple(named), skipped=tuple(skipped), unmatched=unmatched)


def _order(job: LiveJob) -> tuple[str, bool, str, str]:
    created = job.created_at.isoformat() if job.created_at else ""
    return job.labels.get(L.HUB_NAME) or "", job.created_at is None, created, job.id


def latest_runs(runs: Sequence[LiveRun]) -> dict[str, LiveRun]:
    """The latest run a person started under each Hub name, managed or not: the earlier ones of a
    name are that job's history (and when the latest is managed, the job is adopted already)."""
    latest: dict[str, LiveRun] = {}
    for run in runs:
        name = run.labels.get(L.HUB_NAME)
        if name is None or run.initiator_type in FOREIGN_INITIATORS or L.LOCK in run.labels:
            continue
        if name not in latest or _age(run) > _age(latest[name]):
            latest[name] = run
    return latest


def _age(run: LiveRun) -> tuple[bool, str, str]:
    return run.created_at is not None, run.created_at.isoformat() if run.created_at else "", run.id


def _left_out(job: LiveJob, declared: Declared, prefixes: tuple[str, ...], latest: Mapping[str, LiveRun]) -> str | None:
    """Why `job` is not exported (an empty string: not worth a line), or None to export it."""
    labels = job.labels
    if L.LOCK in labels:
        return ""  # an apply lock of some project: not a job at all
    if L.MANAGED_BY in labels:
        project = labels.get(L.PROJECT) or labels.get(L.RETIRED_FROM) or "?"
        return f"managed by hfjobs-spec (project {project})"
    foreign = L.foreign_label(labels, prefixes)
    if foreign is not None:
        return f"another tool's job (label {foreign}); never adopted"
    if isinstance(job, LiveRun):
        if job.initiator_type == "scheduled-job":
            return "started by a scheduled job (it belongs to that job)"
        if job.initiator_type in FOREIGN_INITIATORS:
            return f"started by a {job.initiator_type} (it belongs to what started it)"
        newest = latest.get(labels.get(L.HUB_NAME, ""))
        if newest is not None and newest is not job:
            if L.MANAGED_BY in newest.labels:
                return f"an earlier run of the same name (the latest, {newest.id}, is managed by hfjobs-spec)"
            return f"an earlier run of the same name (only the latest, {newest.id}, is exported)"
    where = (declared.imported_ids.get(job.id)
             or declared.imported_names.get((job_kind(job), labels.get(L.HUB_NAME, ""))))
    if where is not None:
        return f"already imported by {where}"
    if carries_inline_script(job.spec):
        return ("runs a script shipped inline by hfjobs-spec but has no ownership labels; write its manifest "
                "from the script's source instead")
    return None


def _assign_names(jobs: Sequence[LiveJob], taken: Iterable[str]) -> list[Named]:
    used = set(taken)
    declared = set(taken)
    named: list[Named] = []
    for job in jobs:
        base, notes = manifest_name(job)
        name = base
        counter = 2
        while name in used:
            suffix = f"-{counter}"
            name = base[:NAME_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
            counter += 1
        if name != base:
            owner = "a manifest of the project" if base in declared else "another exported job"
            notes = (*notes, f"the name {base!r} is taken by {owner}: exported as {name!r}")
        used.add(name)
        named.append(Named(job, name, notes))
    return named


def manifest_name(job: LiveJob) -> tuple[str, tuple[str, ...]]:
    """A manifest name for `job`: its Hub name when it is one, else made from it, else from the image."""
    hub_name = job.labels.get(L.HUB_NAME)
    if hub_name and _NAME_RE.match(hub_name) and len(hub_name) <= NAME_MAX_LENGTH:
        return hub_name, ()
    if hub_name:
        made = _label_safe(hub_name)
        if made:
            return made, (f"its Hub name {hub_name!r} is not a manifest name (lowercase letters, digits and '-'): "
                          f"exported as {made!r}; apply sets its Hub name to that",)
    made = invented_name(job)
    return made, (f"it has no Hub name: named {made!r} after its image or script; apply sets its Hub name to that",)


def invented_name(job: LiveJob) -> str:
    """`<image or script basename>-<8 hex of its command>`, the way huggingface_hub names unnamed jobs."""
    spec = job.spec
    script = recover_url_script(spec.image, spec.command)
    source = script["script"] if script is not None else spec.image
    stem = source.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".py")
    digest = hashlib.sha256("\x00".join([spec.image, *spec.command]).encode("utf-8", "replace")).hexdigest()[:8]
    base = _label_safe(stem)[:NAME_MAX_LENGTH - 9].rstrip("-") or "job"
    return f"{base}-{digest}"


def _label_safe(text: str) -> str:
    """Lowercase, every run of other characters one '-', no '-' at either end, at most 63 characters."""
    made = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return made[:NAME_MAX_LENGTH].rstrip("-")
