"""`export`: write manifests from the jobs a namespace already has on the Hub."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hfjobs_spec.cli.group import cli
from hfjobs_spec.cli.options import ProjectArgs, ReconcileArgs, globals_of, hub_options, reconcile_settings
from hfjobs_spec.labels import LABEL_MAX_LENGTH, LABEL_RE, LABEL_VALUE_RE


def label_pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """An option callback: `K=V` pairs, with the Hub's label charset (the Hub rejects anything else)."""
    pairs = []
    for value in values:
        key, sep, text = value.partition("=")
        fits = LABEL_RE.match(key) and LABEL_VALUE_RE.match(text) and max(len(key), len(text)) <= LABEL_MAX_LENGTH
        if not sep or not fits:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE with letters, digits, '-' or '_' "
                                     f"(at most {LABEL_MAX_LENGTH} each)")
        pairs.append((key, text))
    return tuple(pairs)


@cli.command()
@click.option("--namespace", metavar="NS", help="Where to read the jobs (default: the project's namespace).")
@click.option("-l", "--label", "labels", multiple=True, metavar="KEY=VALUE", callback=label_pairs,
              help="Only jobs carrying this label (repeatable: all of them).")
@click.option("--scheduled", is_flag=True, help="Scheduled jobs (the default when neither kind is given).")
@click.option("--jobs", "runs", is_flag=True, help="One-shot runs: the latest run of each Hub name.")
@click.option("--name", "names", multiple=True, metavar="NAME",
              help="Only the jobs with this Hub name (repeatable); of both kinds unless one is given.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the manifests in (default: the project's jobs_dir).")
@click.option("--force", is_flag=True, help="Overwrite manifests that already exist.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@hub_options
@click.pass_context
def export(ctx: click.Context, /, namespace: str | None, labels: tuple[tuple[str, str], ...], scheduled: bool,
           runs: bool, names: tuple[str, ...], out_dir: Path | None, force: bool, dry_run: bool, fmt: str,
           project: ProjectArgs, reconcile: ReconcileArgs) -> None:
    """Write manifests for the jobs already on the Hub (made with `hf jobs`), each with `import: {id}`.

    By default every unmanaged scheduled job of the namespace; one-shot runs with --jobs. Jobs
    managed by hfjobs-spec, other tools' jobs and runs started by a schedule are left out, and said
    so. Review the files, then `plan` shows one import per job and `apply` adopts them in place.

    \b
    Examples:
      hfjobs-spec export
      hfjobs-spec export --namespace my-org --jobs --label team=eval
      hfjobs-spec export --name weekly-report --out-dir jobs/adopted --dry-run
    """
    from hfjobs_spec.commands.export import ExportSettings, run_export
    from hfjobs_spec.output.export import render_export, render_export_json

    glob = globals_of(ctx)
    base = reconcile_settings(glob, project, reconcile)
    settings = ExportSettings(manifests=base.manifests, hub=base.hub, namespace=namespace, labels=labels,
                              scheduled=scheduled, runs=runs, names=names,
                              out_dir=Path.cwd() / out_dir if out_dir is not None else None,
                              force=force, dry_run=dry_run)
    result = run_export(settings, os.environ)
    click.echo(render_export_json(result) if fmt == "json" else render_export(result), nl=False)
