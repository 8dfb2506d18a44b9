"""Small projects on disk and the CLI run in-process, as the manifest tests need them."""

from __future__ import annotations

import contextlib
import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hfjobs_spec.cli import main
from hfjobs_spec.commands.manifests import ManifestSettings, Validation, load_specs, validate
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import ProjectOptions

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "tests" / "examples"
PROJECT_HEADER = "apiVersion: hfjobs/v1\nproject: demo\n"
TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write `files` (relative path -> text, dedented) under `root`; return `root`."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def write_project(root: Path, jobs: Mapping[str, str], *, project: str = PROJECT_HEADER,
                  files: Mapping[str, str] | None = None) -> Path:
    """A project with `hfjobs.yaml` (`project`), `jobs/<name>.yaml` for each of `jobs`, and extra files."""
    write_files(root, {"hfjobs.yaml": project, **{f"jobs/{name}.yaml": text for name, text in jobs.items()},
                       **(files or {})})
    return root


def options(root: Path, *, environment: str | None = None, var: Sequence[str] = (),
            values: Sequence[str] = ()) -> ProjectOptions:
    return ProjectOptions(project_dir=None, cwd=root, environment=environment, var_overrides=tuple(var),
                          values_files=tuple(Path(v) for v in values))


def settings(root: Path, paths: Sequence[str] = (), *, environment: str | None = None, var: Sequence[str] = (),
             values: Sequence[str] = ()) -> ManifestSettings:
    return ManifestSettings(project=options(root, environment=environment, var=var, values=values),
                            paths=tuple(Path(p) for p in paths))


def check(root: Path, *paths: str, environ: Mapping[str, str] | None = None, environment: str | None = None,
          var: Sequence[str] = (), values: Sequence[str] = ()) -> Validation:
    """`validate` as a function: every issue of the project at `root`."""
    return validate(settings(root, paths, environment=environment, var=var, values=values), environ or {})


def messages(root: Path, *paths: str, environ: Mapping[str, str] | None = None, environment: str | None = None,
             var: Sequence[str] = (), values: Sequence[str] = ()) -> list[str]:
    """The issues of `check` as the lines the CLI prints."""
    result = check(root, *paths, environ=environ, environment=environment, var=var, values=values)
    return [str(issue) for issue in result.issues]


def specs(root: Path, *paths: str, environ: Mapping[str, str] | None = None, environment: str | None = None,
          var: Sequence[str] = (), values: Sequence[str] = ()) -> dict[str, JobSpec]:
    """The valid specs of the project at `root`, by name; raises `ManifestErrors` if any is invalid."""
    chosen = settings(root, paths, environment=environment, var=var, values=values)
    _, loaded = load_specs(chosen, environ or {})
    return {spec.name: spec for spec in loaded}


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return (self.out + self.err).splitlines()


def run_main(argv: Sequence[str], cwd: Path) -> CliRun:
    """`hfjobs-spec ARGV` in-process, through the entry point with the error boundary."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return CliRun(code, out.getvalue(), err.getvalue())
