"""`export`: manifests from the jobs a namespace already has, so a team starts from what it runs.

Read the Hub (one scheduled-jobs list; with runs, one runs list or one per `--name`, and one
inspect per exported run, whose listing may leave fields out), choose and name the jobs
(`reconcile.export`), write each as a document (`reconcile.export_document`, `output.manifest_yaml`),
then load every text exactly as `plan` will (the project's defaults included) before writing any:
a text that does not validate is not written, and a job whose plan would not be an import alone
is named with the fields that differ. Files are only ever created in the output folder, under
names made of `[a-z0-9-]`, and an existing file is overwritten only with `force`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from hfjobs_spec import labels as L
from hfjobs_spec.commands.hub import HubSettings, open_backend
from hfjobs_spec.commands.manifests import ManifestSettings
from hfjobs_spec.errors import ExportError, ManifestErrors, ManifestIssue, ProjectError
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.defaults import inherited
from hfjobs_spec.manifest.loader import LoadResult, load_manifests, load_texts
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import Project, load_project
from hfjobs_spec.output.export import shown_path
from hfjobs_spec.output.manifest_yaml import manifest_yaml
from hfjobs_spec.reconcile.export import (
    Action,
    Chosen,
    Declared,
    ExportedFile,
    ExportResult,
    ExportSelection,
    Named,
    Skipped,
    choose,
)
from hfjobs_spec.reconcile.export_document import ExportedJob, to_document
from hfjobs_spec.reconcile.fields import replacement_fields
from hfjobs_spec.reconcile.translate import live_view

SCHEMA_FILE = Path("schemas") / "job.schema.json"


@dataclass(frozen=True)
class ExportSettings:
    """What `export` was asked. `scheduled`/`runs` both False: scheduled jobs (and runs too with `names`)."""

    manifests: ManifestSettings
    hub: HubSettings = field(default_factory=HubSettings)
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    scheduled: bool = False
    runs: bool = False
    names: tuple[str, ...] = ()
    out_dir: Path | None = None  # default: the project's jobs_dir
    force: bool = False
    dry_run: bool = False

    @property
    def selection(self) -> ExportSelection:
        if not self.scheduled and not self.runs:
            return ExportSelection(scheduled=True, runs=bool(self.names), names=frozenset(self.names))
        return ExportSelection(scheduled=self.scheduled, runs=self.runs, names=frozenset(self.names))


def run_export(settings: ExportSettings, environ: Mapping[str, str]) -> ExportResult:
    project = load_project(settings.manifests.project)
    namespaces = [ns for ns in (settings.namespace, project.namespace) if ns]
    with open_backend(settings.hub, project.root, namespaces) as backend:
        return export_from(backend, project, settings, environ)


def export_from(backend: HubBackend, project: Project, settings: ExportSettings,
                environ: Mapping[str, str]) -> ExportResult:
    """Export from `backend` into the project's files (or `settings.out_dir`)."""
    declared = declared_jobs(project, settings.manifests, environ)
    default = project.namespace or backend.whoami()
    namespace = settings.namespace or default
    chosen = read_and_choose(backend, namespace, settings, declared, project.foreign_prefixes)
    out_dir = settings.out_dir if settings.out_dir is not None else project.root / project.jobs_dir
    explicit = frozenset(key for layer in project.defaults for key in layer.values)
    outside = namespace if namespace != default else None
    given = inherited(project.defaults).data if project.defaults else {}
    jobs = [to_document(n.job, n.name, namespace=outside, explicit=explicit, notes=n.notes, given=given)
            for n in chosen.jobs]
    modeline = _modeline(project, out_dir)
    texts = [(target_of(out_dir, job.name),
              manifest_yaml(job.document, header=job.header, modeline=modeline, comments=job.comments))
             for job in jobs]
    replaces, invalid = check(project, jobs, chosen.jobs, texts, environ)
    kept = [(job, path, text) for job, (path, text) in zip(jobs, texts, strict=True) if job.source_id not in invalid]
    actions = write_files(out_dir, [(path, text) for _, path, text in kept], force=settings.force,
                          dry_run=settings.dry_run)
    files = tuple(ExportedFile(path, action, job, replaces.get(job.source_id, ()))
                  for (job, path, _), action in zip(kept, actions, strict=True))
    jobs_dir = (project.root / project.jobs_dir).resolve()
    elsewhere = not out_dir.resolve().is_relative_to(jobs_dir)
    return ExportResult(namespace, out_dir, files, (*chosen.skipped, *invalid.values()), settings.dry_run, elsewhere)


def declared_jobs(project: Project, settings: ManifestSettings, environ: Mapping[str, str]) -> Declared:
    """The names and imports of the project's manifests (the valid ones; no jobs_dir yet: none)."""
    try:
        result = load_manifests(project, (), cwd=settings.project.cwd, environ=environ)
    except (ProjectError, ManifestErrors):
        return Declared()

    def where(spec: JobSpec) -> str:
        return f"{spec.source.file}:{spec.source.line}" if spec.source else spec.name

    by_id = {spec.import_id: where(spec) for spec in result.specs if spec.import_id is not None}
    by_name = {(spec.kind, spec.import_name): where(spec) for spec in result.specs if spec.import_name is not None}
    return Declared(names=frozenset(spec.name for spec in result.specs), imported_ids=by_id, imported_names=by_name)


def read_and_choose(backend: HubBackend, namespace: str, settings: ExportSettings, declared: Declared,
                    foreign_prefixes: tuple[str, ...]) -> Chosen:
    """List what the selection needs, choose, and read each run to export in full."""
    selection = settings.selection
    labels = dict(settings.labels)
    scheduled = backend.list_scheduled_jobs(namespace, labels) if selection.scheduled else []
    runs: list[LiveRun] = []
    if selection.runs:
        queries = [{**labels, L.HUB_NAME: name} for name in sorted(selection.names)] or [labels]
        with ThreadPoolExecutor(max_workers=min(8, len(queries)), thread_name_prefix="export") as pool:
            runs = list({run.id: run for found in pool.map(lambda q: backend.list_jobs(namespace, q), queries)
                         for run in found}.values())
    chosen = choose(scheduled, runs, selection, declared=declared, foreign_prefixes=foreign_prefixes)
    if chosen.unmatched:
        kinds = " or ".join(k for k, on in (("scheduled job", selection.scheduled), ("job run", selection.runs)) if on)
        raise ExportError(f"--name {', '.join(chosen.unmatched)}: no {kinds} with that Hub name in {namespace}; "
                          "nothing was written")
    return replace(chosen, jobs=_read_runs_in_full(backend, chosen.jobs))


def _read_runs_in_full(backend: HubBackend, jobs: Sequence[Named]) -> tuple[Named, ...]:
    """A run as `inspect` reports it: a listing may leave fields (its environment) out."""
    runs = [named for named in jobs if isinstance(named.job, LiveRun)]
    if not runs:
        return tuple(jobs)
    with ThreadPoolExecutor(max_workers=min(8, len(runs)), thread_name_prefix="inspect") as pool:
        full = dict(zip((n.job.id for n in runs),
                        pool.map(lambda n: backend.inspect_job(n.job.namespace, n.job.id), runs), strict=True))
    return tuple(replace(named, job=full[named.job.id]) if named.job.id in full else named for named in jobs)


def check(project: Project, jobs: Sequence[ExportedJob], named: Sequence[Named], texts: Sequence[tuple[Path, str]],
          environ: Mapping[str, str]) -> tuple[dict[str, tuple[str, ...]], dict[str, Skipped]]:
    """Load every text as plan will. Returns, by Hub id, the fields a plan would replace the job for,
    and the jobs whose text does not validate (left out, with the first problem as the reason)."""
    displays = [project.display(path) for path, _ in texts]
    result: LoadResult = load_texts(project, [(shown, text) for shown, (_, text) in zip(displays, texts, strict=True)],
                                    environ=environ)
    by_file: dict[str, list[ManifestIssue]] = {}
    for issue in result.issues:
        by_file.setdefault(issue.file, []).append(issue)
    specs = {spec.name: spec for spec in result.specs}
    live = {n.job.id: n.job for n in named}
    replaced: dict[str, tuple[str, ...]] = {}
    invalid: dict[str, Skipped] = {}
    for job, shown in zip(jobs, displays, strict=True):
        issues = by_file.get(shown)
        source = live[job.source_id]
        if issues or job.name not in specs:
            first = issues[0] if issues else None
            why = f"{first.field}: {first.message}" if first and first.field else (first.message if first else "?")
            invalid[job.source_id] = Skipped(job.kind, job.source_id, job.hub_name,
                                             f"cannot be written as a valid manifest ({why})")
            continue
        concurrency = source.concurrency if isinstance(source, LiveScheduledJob) else None
        fields = replacement_fields(specs[job.name], live_view(source.spec, concurrency))
        if fields:
            replaced[job.source_id] = tuple(f.field for f in fields)
    return replaced, invalid


def target_of(out_dir: Path, name: str) -> Path:
    """`<out_dir>/<name>.yaml`. Names are `[a-z0-9-]` (checked again here), so never a path elsewhere."""
    if not name or not all(c.islower() or c.isdigit() or c == "-" for c in name) or not name.isascii():
        raise ExportError(f"refusing to write a file named {name!r}")
    return out_dir / f"{name}.yaml"


def _modeline(project: Project, out_dir: Path) -> str | None:
    schema = project.root / SCHEMA_FILE
    if not schema.is_file():
        return None
    try:
        return Path(os.path.relpath(schema, out_dir.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return None


def write_files(out_dir: Path, texts: Sequence[tuple[Path, str]], *, force: bool, dry_run: bool) -> list[Action]:
    """Write every file, or none: an existing one (a symlink too) is refused unless `force`."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"--out-dir {shown_path(out_dir)} is not a folder")
    existing = [path for path, _ in texts if path.exists() or path.is_symlink()]
    if existing and not force:
        shown = ", ".join(shown_path(path) for path in existing)
        raise ExportError(f"{shown} already exist{'s' if len(existing) == 1 else ''}; nothing was written "
                          "(pass --force to overwrite, or choose another --out-dir)")
    actions: list[Action] = [("would overwrite" if path in existing else "would create") if dry_run
                             else ("overwritten" if path in existing else "created") for path, _ in texts]
    if dry_run or not texts:
        return actions
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, text in texts:
            _write(path, text, replace_existing=force)
    except OSError as exc:
        raise ExportError(f"cannot write in {shown_path(out_dir)}: {exc.strerror or exc}") from exc
    return actions


def _write(path: Path, text: str, *, replace_existing: bool) -> None:
    if not replace_existing:
        with path.open("x", encoding="utf-8", newline="\n") as handle:  # "x": never replace a file
            handle.write(text)
        return
    # A new file renamed over the old one: a symlink is replaced, never followed out of the folder.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

