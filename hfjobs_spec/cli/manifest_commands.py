"""`validate`, `render` and `schema`: the manifests alone, never the Hub."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hfjobs_spec.cli.group import EXIT_ERROR, EXIT_OK, cli
from hfjobs_spec.cli.options import ProjectArgs, globals_of, manifest_settings, project_options
from hfjobs_spec.errors import ProjectError


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@project_options
@click.pass_context
def validate(ctx: click.Context, /, paths: tuple[Path, ...], fmt: str, project: ProjectArgs) -> None:
    """Check manifests (default: the project's jobs_dir). Exit 0 if valid, 1 if not.

    \b
    Examples:
      hfjobs-spec validate
      hfjobs-spec validate jobs/train.yaml --format github
    """
    from hfjobs_spec.commands import manifests
    from hfjobs_spec.output import validation as report

    try:
        result = manifests.validate(manifest_settings(globals_of(ctx), project, paths), os.environ)
    except ProjectError as exc:
        if fmt == "text":
            raise
        result = manifests.project_error(exc)  # keep json and github output parseable
    if fmt == "json":
        click.echo(report.json_report(result.issues, result.files, result.jobs, result.warnings), nl=False)
    elif fmt == "github":
        click.echo(report.github_report(result.issues, workspace_prefix(result.root), result.warnings), nl=False)
        if result.ok:
            click.echo(report.text_report((), len(result.files), result.jobs), nl=False)
    else:
        click.echo(report.text_report(result.issues, len(result.files), result.jobs, result.warnings), nl=False)
    ctx.exit(EXIT_OK if result.ok else EXIT_ERROR)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--explain", is_flag=True,
              help="Show where every field of every job came from instead of the jobs themselves.")
@project_options
@click.pass_context
def render(ctx: click.Context, /, paths: tuple[Path, ...], fmt: str, explain: bool, project: ProjectArgs) -> None:
    """Print the fully rendered, normalised jobs (secrets as references, never values).

    \b
    Examples:
      hfjobs-spec render -E prod
      hfjobs-spec render jobs/eval.yaml --var model=gpt2 --format json
      hfjobs-spec render --explain jobs/sweep.yaml
    """
    from hfjobs_spec.commands import manifests

    chosen = manifest_settings(globals_of(ctx), project, paths)
    if explain:
        from hfjobs_spec.output import explain as explained

        specs, origins = manifests.explain_specs(chosen, os.environ)
        click.echo(explained.json_output(specs, origins) if fmt == "json" else explained.text_output(specs, origins),
                   nl=False)
        return
    from hfjobs_spec.output import specs as output

    _, loaded = manifests.load_specs(chosen, os.environ)
    click.echo(output.json_output(loaded) if fmt == "json" else output.yaml_output(loaded), nl=False)


@cli.command()
@click.argument("kind", type=click.Choice(["job", "project"]), default="job")
def schema(kind: str) -> None:
    """Print the JSON Schema of a job manifest (default) or of hfjobs.yaml.

    \b
    Examples:
      hfjobs-spec schema > job.schema.json
      hfjobs-spec schema project
    """
    from hfjobs_spec.manifest.schema import schema_text

    click.echo(schema_text(kind), nl=False)


def workspace_prefix(root: Path | None) -> str:
    """GitHub annotations want paths from the repository root; ours are from the project root."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace or root is None:
        return ""
    try:
        relative = root.resolve().relative_to(Path(workspace).resolve()).as_posix()
    except (OSError, ValueError):
        return ""
    return "" if relative == "." else relative + "/"
