"""`validate` and `render`: load the project's manifests and report on them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hfjobs_spec.errors import ManifestErrors, ManifestIssue, ProjectError
from hfjobs_spec.manifest.loader import LoadResult, load_manifests
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.origins import FieldOrigin
from hfjobs_spec.manifest.project import Project, ProjectOptions, load_project
from hfjobs_spec.masking import SecretMask


@dataclass(frozen=True)
class ManifestSettings:
    """Which project and environment, and which files (none: the project's jobs_dir)."""

    project: ProjectOptions
    paths: tuple[Path, ...] = ()
    mask: SecretMask | None = None  # told the value of every secret the manifests reference


@dataclass(frozen=True)
class Validation:
    issues: tuple[ManifestIssue, ...]
    files: tuple[str, ...]
    jobs: int
    root: Path | None = None  # the project root the file names are relative to
    warnings: tuple[ManifestIssue, ...] = ()  # worth a look, never a failure

    @property
    def ok(self) -> bool:
        return not self.issues


def validate(settings: ManifestSettings, environ: Mapping[str, str]) -> Validation:
    """Every problem in the project file and the manifests, collected in one pass."""
    try:
        project = load_project(settings.project)
    except ManifestErrors as exc:
        return Validation(issues=exc.issues, files=(), jobs=0)
    try:
        result = _load(project, settings, environ)
    except ManifestErrors as exc:
        return Validation(issues=exc.issues, files=(), jobs=0, root=project.root)
    return Validation(issues=result.issues, files=result.files, jobs=len(result.specs), root=project.root,
                      warnings=tuple(sorted({*import_warnings(result.specs), *result.warnings})))


def import_warnings(specs: Sequence[JobSpec]) -> tuple[ManifestIssue, ...]:
    """`import` and `previous_names` are needed once: validate never reads the Hub, so it cannot tell
    whether that apply is done."""
    def warn(spec: JobSpec, key: str, message: str) -> ManifestIssue:
        return ManifestIssue(spec.source.file if spec.source else "", spec.source.line if spec.source else 0, 1,
                             key, f"{spec.name}: {message}", "warning")

    found = [warn(spec, "import", "`import` adopts the job at the next apply and does nothing after it; once "
                                  "that apply is done, remove it")
             for spec in specs if spec.import_id is not None or spec.import_name is not None]
    found += [warn(spec, "previous_names", "`previous_names` renames the job in place at the next apply and does "
                                           "nothing after it; once that apply is done everywhere (every "
                                           "environment), remove it")
              for spec in specs if spec.previous_names]
    return tuple(sorted(found))


def project_error(exc: ProjectError) -> Validation:
    """A project or command-line problem as a validation result, for machine-readable reports."""
    return Validation(issues=(ManifestIssue("", 0, 0, "", str(exc)),), files=(), jobs=0)


def load_specs(settings: ManifestSettings, environ: Mapping[str, str]) -> tuple[Project, tuple[JobSpec, ...]]:
    """The project and its valid specs; raises `ManifestErrors` if anything is invalid."""
    project = load_project(settings.project)
    result = _load(project, settings, environ)
    if not result.ok:
        raise ManifestErrors(result.issues)
    return project, result.specs


def explain_specs(settings: ManifestSettings,
                  environ: Mapping[str, str]) -> tuple[tuple[JobSpec, ...], Mapping[str, tuple[FieldOrigin, ...]]]:
    """The valid specs and where each of their fields came from; raises `ManifestErrors` if anything is invalid."""
    project = load_project(settings.project)
    result = _load(project, settings, environ, explain=True)
    if not result.ok:
        raise ManifestErrors(result.issues)
    return result.specs, result.origins


def _load(project: Project, settings: ManifestSettings, environ: Mapping[str, str], *,
          explain: bool = False) -> LoadResult:
    result = load_manifests(project, settings.paths, cwd=settings.project.cwd, environ=environ, explain=explain)
    if settings.mask is not None:  # every secret the project names, even in a job that failed to load
        settings.mask.add_variables(environ, result.secret_names)
        settings.mask.add_variables(environ, (ref.source for spec in result.specs for ref in spec.secrets
                                              if ref.kind != "hf_token"))
    return result
