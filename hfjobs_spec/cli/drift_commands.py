"""`drift`: what changed on the Hub behind git's back. Exit 0 none, 2 drift, 1 error."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hfjobs_spec.cli.group import EXIT_CHANGES, EXIT_OK, cli
from hfjobs_spec.cli.options import ProjectArgs, ReconcileArgs, globals_of, hub_options, reconcile_settings


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Also save the report as JSON.")
@hub_options
@click.pass_context
def drift(ctx: click.Context, /, fmt: str, out: Path | None, project: ProjectArgs, reconcile: ReconcileArgs) -> None:
    """Jobs changed on the Hub by hand since the last apply. Exit 0 if none, 2 if drift, 1 on error.

    \b
    Examples:
      hfjobs-spec drift
      hfjobs-spec -E prod drift --format markdown --out drift.json
    """
    from hfjobs_spec.cli.reconcile_commands import write_atomically
    from hfjobs_spec.commands.reconcile import run_drift
    from hfjobs_spec.output.drift import render_drift, render_drift_json, render_drift_markdown

    glob = globals_of(ctx)
    report = run_drift(reconcile_settings(glob, project, reconcile), os.environ)
    if out is not None:
        write_atomically(out, glob.mask.mask(render_drift_json(report)))
    if fmt == "json":
        click.echo(render_drift_json(report), nl=False)
    elif fmt == "markdown":
        click.echo(render_drift_markdown(report), nl=False)
    else:
        click.echo(render_drift(report), nl=False)
    ctx.exit(EXIT_CHANGES if report.has_drift else EXIT_OK)
