"""`init`: start a project in an existing repository."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hfjobs_spec.cli.group import cli


@cli.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="The folder to start the project in (it must exist).")
@click.option("--project", "project", metavar="NAME",
              help="Project id, stamped on every job as a label (default: the folder's name, made label-safe).")
@click.option("--namespace", metavar="NS", help="Default owner of the jobs (default: the token's user).")
@click.option("--github", is_flag=True, help="Also write GitHub workflows: plan, apply and drift.")
def init(directory: Path, project: str | None, namespace: str | None, github: bool) -> None:
    """Write hfjobs.yaml, an example job, its schemas and the .gitignore entry; never overwrite a file.

    \b
    Examples:
      hfjobs-spec init --namespace my-org
      hfjobs-spec init --github --project team-jobs --dir ml/jobs
    """
    from hfjobs_spec.commands.init import ACTION_REF, InitSettings
    from hfjobs_spec.commands.init import init as run_init

    result = run_init(InitSettings(directory=directory, project=project, namespace=namespace, github=github))
    for outcome in result.files:
        shown = _relative(outcome.path)
        if outcome.action == "skipped":
            click.echo(f"skipped  {shown} ({outcome.reason})")
        else:
            click.echo(f"{outcome.action:<8} {shown}")
    if not result.changed:
        click.echo("Nothing to do: every file exists.")
        return
    click.echo(f"\nProject {result.project!r}. Next: hfjobs-spec validate && hfjobs-spec --local plan")
    if github and any(o.action == "created" and o.path.suffix == ".yml" for o in result.files):
        click.echo(f"The workflows use {ACTION_REF}: put the action's owner in place of OWNER, and add a "
                   "repository secret HF_TOKEN.")


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
