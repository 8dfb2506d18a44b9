"""The command line: parse options, call the core, print, choose the exit code. Nothing else.

Exit codes: 0 success; 1 any error (invalid manifests, Hub failures, usage errors, stale plans);
2 only from `plan --detailed-exitcode` when there are changes; 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from hfjobs_spec import __version__
from hfjobs_spec.errors import HfJobsSpecError, ManifestErrors

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class GlobalOptions:
    """Options given before the command; the same options after it win."""

    project_dir: Path | None = None
    environment: str | None = None
    var: tuple[str, ...] = ()
    values: tuple[Path, ...] = ()
    local: bool = False
    debug: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _project_options(func: F) -> F:
    options = [
        click.option("--project-dir", type=click.Path(path_type=Path, file_okay=False),
                     help="Project root (default: search upward for hfjobs.yaml)."),
        click.option("-E", "--environment", help="Environment from hfjobs.yaml to apply."),
        click.option("--var", multiple=True, metavar="KEY=VALUE", help="Set a template variable (repeatable)."),
        click.option("--values", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                     help="YAML file of template variables (repeatable, later files win)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_project_options
@click.option("--local", is_flag=True, help="Use the embedded local Hub (state in .hfjobs/); no account needed.")
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(__version__, prog_name="hfjobs-spec")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None, environment: str | None, var: tuple[str, ...],
        values: tuple[Path, ...], local: bool, debug: bool) -> None:
    """GitOps for Hugging Face Jobs: declare jobs in YAML, validate them, plan and apply them."""
    ctx.obj = GlobalOptions(project_dir, environment, var, values, local, debug)


def _settings(ctx: click.Context, project_dir: Path | None, environment: str | None, var: tuple[str, ...],
              values: tuple[Path, ...], paths: Sequence[Path] = ()) -> Any:
    from hfjobs_spec.commands.manifests import ManifestSettings
    from hfjobs_spec.manifest.project import ProjectOptions

    glob: GlobalOptions = ctx.find_object(GlobalOptions) or GlobalOptions()
    options = ProjectOptions(
        project_dir=project_dir or glob.project_dir,
        cwd=Path.cwd(),
        environment=environment or glob.environment,
        var_overrides=(*glob.var, *var),
        values_files=(*glob.values, *values),
    )
    return ManifestSettings(project=options, paths=tuple(paths))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@_project_options
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], fmt: str, **project: Any) -> None:
    """Check manifests (default: the project's jobs_dir). Exit 0 if valid, 1 if not."""
    from hfjobs_spec.commands import manifests
    from hfjobs_spec.output import validation as report

    result = manifests.validate(_settings(ctx, paths=paths, **project), os.environ)
    if fmt == "json":
        click.echo(report.json_report(result.issues, result.files, result.jobs), nl=False)
    elif fmt == "github":
        click.echo(report.github_report(result.issues, _workspace_prefix()), nl=False)
        if result.ok:
            click.echo(f"{result.jobs} jobs valid in {len(result.files)} files")
    else:
        click.echo(report.text_report(result.issues, len(result.files), result.jobs), nl=False)
    ctx.exit(EXIT_OK if result.ok else EXIT_ERROR)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@_project_options
@click.pass_context
def render(ctx: click.Context, paths: tuple[Path, ...], fmt: str, **project: Any) -> None:
    """Print the fully rendered, normalised jobs (secrets as references, never values)."""
    from hfjobs_spec.commands import manifests
    from hfjobs_spec.output import specs as output

    _, specs = manifests.load_specs(_settings(ctx, paths=paths, **project), os.environ)
    click.echo(output.json_output(specs) if fmt == "json" else output.yaml_output(specs), nl=False)


@cli.command()
@click.argument("kind", type=click.Choice(["job", "project"]), default="job")
def schema(kind: str) -> None:
    """Print the JSON Schema of a job manifest (default) or of hfjobs.yaml."""
    from hfjobs_spec.manifest.schema import schema_text

    click.echo(schema_text(kind), nl=False)


def _workspace_prefix() -> str:
    """GitHub annotations want paths from the repository root; ours are from the project root."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return ""
    try:
        from hfjobs_spec.manifest.project import ProjectOptions, find_project_root

        root = find_project_root(ProjectOptions())
        relative = root.relative_to(Path(workspace).resolve()).as_posix()
    except (HfJobsSpecError, ValueError):
        return ""
    return "" if relative == "." else relative + "/"


def _print_error(exc: HfJobsSpecError) -> None:
    if isinstance(exc, ManifestErrors):
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        click.echo(f"Error: {exc}", err=True)
    else:
        click.echo(f"Error: {exc}", err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point with the single error boundary: known errors exit 1, Ctrl-C 130, bugs a short note."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # Without standalone mode click returns `ctx.exit(code)` codes instead of calling sys.exit.
        code = cli.main(args=args, prog_name="hfjobs-spec", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        # Usage errors exit 1, never 2: 2 means "changes" to `plan --detailed-exitcode`.
        return EXIT_ERROR
    except HfJobsSpecError as exc:
        _print_error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: anything else is a bug, reported briefly
        if debug:
            traceback.print_exc()
        click.echo(f"Unexpected error: {type(exc).__name__}: {exc}", err=True)
        if not debug:
            click.echo("This is a bug in hfjobs-spec; rerun with --debug to see the traceback.", err=True)
        return EXIT_ERROR
    return code if isinstance(code, int) else EXIT_OK
