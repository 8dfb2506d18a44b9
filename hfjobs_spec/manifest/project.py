"""The project file `hfjobs.yaml`: discovery, validation, environments and variables."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfjobs_spec import labels
from hfjobs_spec.errors import ManifestErrors, ManifestIssue, ProjectError
from hfjobs_spec.manifest import safe_paths
from hfjobs_spec.manifest.schema import project_schema
from hfjobs_spec.manifest.schema_check import did_you_mean, make_validator, schema_issues
from hfjobs_spec.manifest.secret_refs import referenced_names
from hfjobs_spec.manifest.tokens import printable, redact, safe_issue, safe_text
from hfjobs_spec.manifest.var_origins import var_origins, where
from hfjobs_spec.manifest.yaml_source import (
    Located,
    Path_,
    YamlError,
    format_path,
    parse_documents,
    parse_scalar,
    read_text,
)

PROJECT_FILE = "hfjobs.yaml"
_VALIDATOR = make_validator(project_schema())
DEFAULT_JOBS_DIR = "jobs"


@dataclass(frozen=True)
class ProjectOptions:
    """How the user asked for the project: where to look, which environment, which extra variables."""

    project_dir: Path | None = None
    cwd: Path = field(default_factory=Path.cwd)
    environment: str | None = None
    var_overrides: tuple[str, ...] = ()
    values_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class DefaultsLayer:
    """Job defaults from one place in the project file, with their positions."""

    located: Located
    path: Path_
    name: str = "project defaults"  # the origin `render --explain` names for its values

    @property
    def values(self) -> Mapping[str, Any]:
        data: Any = self.located.data
        for part in self.path:
            data = data[part]
        return data  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Project:
    """A loaded, valid project file with the selected environment applied."""

    root: Path
    file: str
    id: str
    namespace: str | None
    jobs_dir: str
    prune: bool
    vars: Mapping[str, Any]
    defaults: tuple[DefaultsLayer, ...]
    environment: str | None
    environments: tuple[str, ...]
    # Namespaces read for managed jobs even when no manifest names them (e.g. after a move).
    prune_namespaces: tuple[str, ...] = ()
    # Label key prefixes of other tools' jobs: the built-in ones and the project's `foreign_label_prefixes`.
    foreign_prefixes: tuple[str, ...] = labels.FOREIGN_PREFIXES
    # Every variable named under `secrets:` in the project's defaults, in every environment.
    secret_names: frozenset[str] = frozenset()
    # Where each variable (a path under `vars`) was last set, lowest layer first: (path, origin, where).
    var_origins: tuple[tuple[Path_, str, str], ...] = field(default=(), compare=False, repr=False)
    # Where `namespace` came from: (origin, where); ("", "") when none is set.
    namespace_origin: tuple[str, str] = field(default=("", ""), compare=False, repr=False)
    # Resolving a path costs a system call per component, and each file is shown several times.
    _displays: dict[Path, str] = field(default_factory=dict, compare=False, repr=False)

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the project root when inside it."""
        shown = self._displays.get(path)
        return shown if shown is not None else self._remember(path, path.resolve())

    def _remember(self, path: Path, resolved: Path) -> str:
        try:
            shown = printable(resolved.relative_to(self.root).as_posix())
        except ValueError:
            shown = printable(str(path))
        self._displays[path] = self._displays[resolved] = shown
        return shown


def find_project_root(options: ProjectOptions) -> Path:
    if options.project_dir is not None:
        root = safe_paths.resolve(options.cwd / options.project_dir)
        if isinstance(root, str):
            raise ProjectError(f"--project-dir {_quoted(str(options.project_dir))} {root}")
        if safe_paths.kind(root / PROJECT_FILE) != "file":
            raise ProjectError(f"no {PROJECT_FILE} in {options.project_dir}")
        return root
    here = options.cwd.resolve()
    for candidate in (here, *here.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    raise ProjectError(
        f"no {PROJECT_FILE} found in {here} or any parent folder; "
        "create one (see README) or pass --project-dir"
    )


def load_project(options: ProjectOptions) -> Project:
    """Find, parse and validate the project file and apply the chosen environment and variables."""
    try:
        return _load_project(options)
    except ProjectError as exc:  # messages quote the command line, which may hold a token
        raise ProjectError(safe_text(str(exc))) from None
    except ManifestErrors as exc:
        raise ManifestErrors([safe_issue(issue) for issue in exc.issues]) from None


def _load_project(options: ProjectOptions) -> Project:
    root = find_project_root(options)
    display = PROJECT_FILE
    if isinstance(safe_paths.confined(root / PROJECT_FILE, root), str):
        raise ProjectError(f"{display} is a symlink to a file outside the project; it must be a file in it")
    located = _parse_single(root / PROJECT_FILE, display)
    issues = schema_issues(_VALIDATOR, located) or [*_jobs_dir_issues(located, root), *_foreign_issues(located)]
    if issues:
        raise ManifestErrors(issues)
    data: dict[str, Any] = located.data
    environments = data.get("environments", {})
    layers = [DefaultsLayer(located, ("defaults",))] if "defaults" in data else []
    namespace = data.get("namespace")
    variables = copy.deepcopy(data.get("vars", {}))
    origins = var_origins(data.get("vars", {}), "project vars", located, ("vars",))
    namespace_origin = ("project namespace", where(located, ("namespace",))) if namespace else ("", "")
    name = options.environment
    if name == labels.DEFAULT_ENVIRONMENT:
        raise ProjectError(f"-E {name}: {name!r} is reserved for jobs applied without -E; leave out -E to "
                           "use the project's own settings")
    if name is not None:
        if name not in environments and not environments:
            raise ProjectError(f"unknown environment {name!r}: {display} defines no environments")
        if name not in environments:
            raise ProjectError(
                f"unknown environment {name!r}{did_you_mean(name, environments)} "
                f"(defined in {display}: {', '.join(sorted(environments))})"
            )
        chosen = environments[name]
        namespace = chosen.get("namespace", namespace)
        if "namespace" in chosen:
            namespace_origin = (f"environment {name!r} namespace",
                                where(located, ("environments", name, "namespace")))
        variables = deep_merge(variables, chosen.get("vars", {}))
        origins += var_origins(chosen.get("vars", {}), f"environment {name!r} vars", located,
                                ("environments", name, "vars"))
        if "defaults" in chosen:
            layers.append(DefaultsLayer(located, ("environments", name, "defaults"),
                                        f"environment {name!r} defaults"))
    for values_file in options.values_files:
        values = _load_values_file(options.cwd / values_file, str(values_file))
        variables = deep_merge(variables, values)
        origins += var_origins(values, "values file", None, (), str(values_file))
    for assignment in options.var_overrides:
        assigned = parse_var(assignment)
        variables = deep_merge(variables, assigned)
        origins += var_origins(assigned, "--var", None, (), assignment.partition("=")[0].strip())
    return Project(
        root=root,
        file=display,
        id=data["project"],
        namespace=namespace,
        jobs_dir=data.get("jobs_dir", DEFAULT_JOBS_DIR),
        prune=data.get("prune", True),
        vars=variables,
        defaults=tuple(layers),
        environment=name,
        environments=tuple(sorted(environments)),
        prune_namespaces=tuple(data.get("prune_namespaces", ())),
        foreign_prefixes=tuple(dict.fromkeys((*labels.FOREIGN_PREFIXES, *data.get("foreign_label_prefixes", ())))),
        secret_names=frozenset(_defaults_secret_names(data)),
        var_origins=tuple(origins),
        namespace_origin=namespace_origin,
    )


def _foreign_issues(located: Located) -> list[ManifestIssue]:
    """A foreign prefix must not claim our own labels or the Hub's `name`: every job would look foreign."""
    found = []
    for index, prefix in enumerate(located.data.get("foreign_label_prefixes", ())):
        problem = labels.foreign_prefix_problem(prefix)
        if problem is not None:
            position = located.position(("foreign_label_prefixes", index))
            found.append(ManifestIssue(position.file, position.line, position.column,
                                       format_path(("foreign_label_prefixes", index)), problem))
    return found


def _jobs_dir_issues(located: Located, root: Path) -> list[ManifestIssue]:
    """jobs_dir must be a folder inside the project: a pull request must not point it elsewhere."""
    jobs_dir: str = located.data.get("jobs_dir", DEFAULT_JOBS_DIR)
    if "\x00" in jobs_dir:
        problem = safe_paths.NUL_MESSAGE
    elif Path(jobs_dir).is_absolute():
        problem = "must be a folder relative to the project root, not an absolute path"
    else:
        resolved = safe_paths.confined(root / jobs_dir, root)
        problem = resolved if isinstance(resolved, str) else ""
    if not problem:
        return []
    if "jobs_dir" not in located.data:  # the default `jobs` is itself a symlink out of the project
        return [ManifestIssue(located.start.file, 1, 1, "jobs_dir", f"the default {jobs_dir!r} {problem}")]
    position = located.position(("jobs_dir",))
    return [ManifestIssue(position.file, position.line, position.column, "jobs_dir", problem)]


def _defaults_secret_names(data: dict[str, Any]) -> set[str]:
    """The secret names of the project's defaults and of every environment's, selected or not."""
    layers = [data.get("defaults", {}), *(env.get("defaults", {}) for env in data.get("environments", {}).values())]
    return {name for layer in layers for name in referenced_names(layer.get("secrets"))}


def _parse_single(path: Path, display: str) -> Located:
    try:
        documents = list(parse_documents(read_text(str(path), display), display))
    except YamlError as exc:
        raise ManifestErrors([exc.issue]) from None
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        where = documents[0].start if documents else None
        raise ManifestErrors([ManifestIssue(display, where.line if where else 1, where.column if where else 1,
                                            "", "must hold exactly one YAML mapping")])
    return documents[0]


def _load_values_file(path: Path, display: str) -> dict[str, Any]:
    if "\x00" in display:
        raise ProjectError(f"--values {_quoted(display)}: the path {safe_paths.NUL_MESSAGE}")
    if not path.is_file():
        raise ProjectError(f"--values file {display} does not exist")
    located = _parse_single(path, display)
    return located.data  # type: ignore[no-any-return]


def parse_var(assignment: str) -> dict[str, Any]:
    """`a.b=3` -> `{"a": {"b": 3}}`.

    Values are read as YAML scalars, so `3` is a number; quote to keep text.
    """
    key, sep, raw = assignment.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(part.isidentifier() for part in parts):
        raise ProjectError(f"--var {_quoted(assignment)}: expected KEY=VALUE with KEY like name or section.name")
    try:
        value = parse_scalar(raw)  # structure only comes from --values files: `[1, 2]` stays text
    except YamlError as exc:
        raise ProjectError(f"--var {key.strip()}: {exc.issue.message}") from None
    result: dict[str, Any] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        result = {part: result}
    return result


def _quoted(text: str, limit: int = 60) -> str:
    """`text` for a message: quoted, shortened, and never showing a token."""
    shown = repr(redact(text))
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in `override` replaces what `base` had."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def iter_manifest_files(project: Project, paths: Sequence[Path], cwd: Path, *,
                        refused: list[ManifestIssue] | None = None) -> list[Path]:
    """The YAML files to load: the given files and folders (recursively), or the project's jobs_dir.

    A file found in a folder of the project must resolve inside the project: a symlink committed
    to jobs/ must not make validate read, and render print, a file from elsewhere on the machine.
    Such files, and given paths that cannot be looked up, are left out with an issue in `refused`.
    """
    refused = [] if refused is None else refused
    for given in paths:
        if "\x00" in str(given):
            raise ProjectError(f"path {_quoted(str(given))} {safe_paths.NUL_MESSAGE}")
    targets = [cwd / p for p in paths] if paths else [project.root / project.jobs_dir]
    if not paths and safe_paths.kind(targets[0]) != "folder":
        # A typo in jobs_dir must not read as "no jobs" (which plan would turn into deletions).
        raise ProjectError(f"jobs_dir {project.jobs_dir!r} is not a folder in {project.root}; fix jobs_dir in "
                           f"{project.file}, or keep an empty folder (with a .gitkeep) to declare no jobs")
    found: dict[Path, Path] = {}  # resolved -> as found
    for target in targets:
        target_kind = safe_paths.kind(target)
        if target_kind == "folder":
            _walk_folder(project, target, found, refused)
        elif target_kind != "missing" or paths:
            resolved = safe_paths.resolve(target)
            if isinstance(resolved, str):
                refused.append(ManifestIssue(_shown_path(target, project.root), 1, 1, "",
                                             f"cannot read file: the path {resolved}"))
            else:
                found.setdefault(resolved, target)
    for resolved, given in found.items():
        project._remember(given, resolved)  # each file is resolved once, however often it is shown
    return sorted(found, key=project.display)


def _walk_folder(project: Project, folder: Path, found: dict[Path, Path], refused: list[ManifestIssue]) -> None:
    scope = safe_paths.resolve(folder)
    # A folder outside the project was named on the command line: its own files are fair game.
    boundary = project.root if isinstance(scope, str) or scope.is_relative_to(project.root) else scope
    for path in folder.rglob("*"):
        if path.suffix not in (".yaml", ".yml") or safe_paths.kind(path) != "file":
            continue
        resolved = safe_paths.confined(path, boundary)
        if isinstance(resolved, str):
            refused.append(ManifestIssue(_shown_path(path, project.root), 1, 1, "",
                                         "is a symlink to a file outside the project; manifests must live in it"))
        else:
            found.setdefault(resolved, path)


def _shown_path(path: Path, root: Path) -> str:
    """A path that could not be resolved, as messages show it."""
    try:
        return printable(path.relative_to(root).as_posix())
    except ValueError:
        return printable(str(path))
