"""`init`: the files a repository needs to start, written only where nothing is yet.

The arguments are checked before anything is written; then each file is created, or skipped if it
exists: none is ever overwritten. `.gitignore` alone may change: the `.hfjobs/` line is appended
when it lacks it. The JSON Schemas are written into the repository (`schemas/`), so that editors validate
manifests offline and against the very version of the tool that wrote them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml

from hfjobs_spec import labels
from hfjobs_spec.errors import ProjectError
from hfjobs_spec.manifest.project import PROJECT_FILE
from hfjobs_spec.manifest.schema import NAMESPACE_PATTERN, schema_text

# The action the workflows use; one place to change when the action's home is known.
ACTION_REF = "OWNER/hfjobs-spec@v1"
PROJECT_MAX_LENGTH = 63
FALLBACK_PROJECT = "hfjobs-project"
IGNORE_ENTRY = ".hfjobs/"
WORKFLOWS = ("hfjobs-plan.yml", "hfjobs-apply.yml", "hfjobs-drift.yml")
_IGNORE_EQUIVALENTS = frozenset({".hfjobs", ".hfjobs/", "/.hfjobs", "/.hfjobs/", ".hfjobs/*", "/.hfjobs/*"})

Action = Literal["created", "appended", "skipped"]


@dataclass(frozen=True)
class InitSettings:
    directory: Path
    project: str | None = None  # default: the directory's name, made label-safe
    namespace: str | None = None
    github: bool = False


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    action: Action
    reason: str = ""  # why it was skipped


@dataclass(frozen=True)
class InitResult:
    root: Path
    project: str
    files: tuple[FileOutcome, ...]

    @property
    def changed(self) -> bool:
        return any(outcome.action != "skipped" for outcome in self.files)


def project_name_from(directory_name: str) -> str:
    """A directory name as a project id: lowercase, runs of other characters as one '-', at most 63."""
    name = re.sub(r"[^a-z0-9_-]+", "-", directory_name.lower()).strip("-_")[:PROJECT_MAX_LENGTH].rstrip("-_")
    return name or FALLBACK_PROJECT


def init(settings: InitSettings) -> InitResult:
    """Write the missing files of a new project into `settings.directory`, never overwriting one."""
    root = settings.directory.resolve()
    if not root.is_dir():
        raise ProjectError(f"{settings.directory} is not a folder")
    project = settings.project if settings.project is not None else project_name_from(root.name)
    _check_project(project)
    if settings.namespace is not None and not re.match(NAMESPACE_PATTERN, settings.namespace):
        raise ProjectError(f"--namespace {settings.namespace!r} is not a Hub user or organization name")

    planned: list[tuple[Path, str]] = [
        (root / PROJECT_FILE, _project_file(project, settings.namespace)),
        (root / "jobs" / "hello.yaml", _template("hello.yaml")),
        (root / "schemas" / "job.schema.json", schema_text("job")),
        (root / "schemas" / "project.schema.json", schema_text("project")),
    ]
    if settings.github:
        repo_root = _git_root(root) or root
        workdir = PurePosixPath(*root.relative_to(repo_root).parts).as_posix() if root != repo_root else "."
        branch = _default_branch(repo_root)
        for name in WORKFLOWS:
            planned.append((repo_root / ".github" / "workflows" / name, workflow_text(name, workdir, branch)))

    outcomes = [_create(path, text) for path, text in planned]
    outcomes.append(_ignore_local_state(root / ".gitignore"))
    return InitResult(root=root, project=project, files=tuple(outcomes))


def workflow_text(name: str, workdir: str = ".", branch: str = "main") -> str:
    """One of the GitHub workflows for a project in `workdir` of its repository (examples/github/ are these)."""
    # A project in a sub-folder runs only when it (or a workflow) changes; at the root, on every change,
    # since templates and scripts may live anywhere in the repository.
    paths = "" if workdir == "." else f'    paths: ["{workdir}/**", ".github/workflows/hfjobs-*.yml"]\n'
    return (_template(f"github/{name}").replace("@ACTION@", ACTION_REF).replace("@WORKDIR@", workdir)
            .replace("@BRANCH@", branch).replace("@PATHS@\n", paths))


def _check_project(project: str) -> None:
    if not labels.LABEL_RE.match(project) or len(project) > PROJECT_MAX_LENGTH:
        raise ProjectError(f"--project {project!r} must be at most {PROJECT_MAX_LENGTH} letters, digits, "
                           "'-' or '_' (it becomes a label on every job)")


def _project_file(project: str, namespace: str | None) -> str:
    line = (f"namespace: {_scalar(namespace)}   # default owner of the jobs (a user or an organization)"
            if namespace else "# namespace: my-org   # default owner of the jobs (else: the token's user)")
    return _template("hfjobs.yaml").replace("@PROJECT@", _scalar(project)).replace("@NAMESPACE@", line)


def _scalar(text: str) -> str:
    """`text` as a YAML string: plain when it reads back as itself, else quoted (`123`, `true`, `null`)."""
    return text if yaml.safe_load(text) == text else json.dumps(text)


def _template(name: str) -> str:
    return resources.files("hfjobs_spec").joinpath("templates", *name.split("/")).read_text(encoding="utf-8")


def _create(path: Path, text: str) -> FileOutcome:
    if path.exists() or path.is_symlink():
        return FileOutcome(path, "skipped", _why_skipped(path, text))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:  # "x": never replace a file
            handle.write(text)
    except FileExistsError:
        return FileOutcome(path, "skipped", "exists")
    except OSError as exc:
        raise ProjectError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return FileOutcome(path, "created")


def _why_skipped(path: Path, text: str) -> str:
    if path.suffix != ".json" or not path.is_file():
        return "exists"
    try:
        same = path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        same = False
    return ("exists" if same else
            f"exists and differs from this version's schema (refresh: hfjobs-spec schema {path.stem.split('.')[0]}"
            f" > {path.parent.name}/{path.name})")


def _ignore_local_state(path: Path) -> FileOutcome:
    """`.hfjobs/` (the embedded Hub's state) in `.gitignore`: create the file, or append the line."""
    if not path.exists():
        return _create(path, "# state of the embedded local Hub (hfjobs-spec --local)\n" + IGNORE_ENTRY + "\n")
    try:
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read {path}: {exc}") from exc
    if any(line.strip() in _IGNORE_EQUIVALENTS for line in current.splitlines()):
        return FileOutcome(path, "skipped", f"already ignores {IGNORE_ENTRY}")
    separator = "" if not current or current.endswith("\n") else "\n"
    try:
        with path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(f"{separator}{IGNORE_ENTRY}\n")
    except OSError as exc:
        raise ProjectError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return FileOutcome(path, "appended")


def _git_root(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _default_branch(repo_root: Path) -> str:
    """The remote's default branch when git knows it (`origin/HEAD`), else `main`."""
    head = repo_root / ".git" / "refs" / "remotes" / "origin" / "HEAD"
    try:
        ref = head.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return "main"
    prefix = "ref: refs/remotes/origin/"
    branch = ref[len(prefix):] if ref.startswith(prefix) else ""
    return branch if re.fullmatch(r"[A-Za-z0-9._/-]+", branch) else "main"
