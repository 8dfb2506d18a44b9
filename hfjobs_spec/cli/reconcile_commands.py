"""`plan`, `apply`, `status` and `force-unlock`: the commands that talk to the Hub."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hfjobs_spec.cli.apply_session import GracefulInterrupts, Progress, confirm_or_cancel
from hfjobs_spec.cli.group import EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, cli
from hfjobs_spec.cli.options import (
    ProjectArgs,
    ReconcileArgs,
    complete_job_names,
    execution_options,
    globals_of,
    hub_options,
    optional_duration,
    reconcile_options,
    reconcile_settings,
    replay_options,
    use_color,
)

if TYPE_CHECKING:
    from hfjobs_spec.reconcile.plan import Plan


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan (JSON) for `apply`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 if no changes, 2 if changes, 1 on error.")
@reconcile_options
@click.pass_context
def plan(ctx: click.Context, /, out: Path | None, fmt: str, detailed_exitcode: bool, project: ProjectArgs,
         reconcile: ReconcileArgs) -> None:
    """Show what apply would change on the Hub, field by field.

    \b
    Examples:
      hfjobs-spec plan --detailed-exitcode
      hfjobs-spec -E prod plan --out plan.json
    """
    from hfjobs_spec.commands import reconcile as commands
    from hfjobs_spec.output.plan_json import render_plan_json
    from hfjobs_spec.output.plan_markdown import render_plan_markdown
    from hfjobs_spec.output.plan_text import render_plan

    glob = globals_of(ctx)
    result = commands.run_plan(reconcile_settings(glob, project, reconcile), os.environ)
    if out is not None:
        # A file is output too: a secret value that reached the plan (a --var, say) is masked there as well.
        write_atomically(out, glob.mask.mask(render_plan_json(result)))
    if fmt == "json":
        click.echo(render_plan_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_plan_markdown(result), nl=False)
    else:
        click.echo(render_plan(result, color=use_color()), nl=False)
        if out is not None:
            again = shlex.join(["hfjobs-spec", *replay_options(glob, project, reconcile), "apply", str(out)])
            click.echo(f"\nSaved the plan to {out}. Apply exactly this plan with: {again}")
    commands.check_not_blocked(result)
    ctx.exit(EXIT_CHANGES if detailed_exitcode and result.has_changes else EXIT_OK)


@cli.command()
@click.argument("planfile", required=False, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@execution_options
@click.option("--wait", "wait_runs", is_flag=True,
              help="Then wait for the runs apply started; exit 1 if any does not complete.")
@click.option("--wait-timeout", callback=optional_duration, metavar="DURATION",
              help="With --wait: give up after this long (default: no limit).")
@reconcile_options
@click.pass_context
def apply(ctx: click.Context, /, planfile: Path | None, auto_approve: bool, parallelism: int, lock_timeout: float,
          fmt: str, wait_runs: bool, wait_timeout: float | None, project: ProjectArgs,
          reconcile: ReconcileArgs) -> None:
    """Make the Hub match the manifests (or carry out a saved PLANFILE, if it still holds).

    \b
    Examples:
      hfjobs-spec apply
      hfjobs-spec apply plan.json
      hfjobs-spec --local apply --auto-approve --replace smoke-test
      hfjobs-spec apply --auto-approve --wait --wait-timeout 1h
    """
    from hfjobs_spec.commands import reconcile as commands
    from hfjobs_spec.output.apply import render_report, render_report_json
    from hfjobs_spec.output.plan_text import render_plan
    from hfjobs_spec.reconcile.execute import AbandonApply
    from hfjobs_spec.reconcile.plan_file import read_plan_file

    settings = reconcile_settings(globals_of(ctx), project, reconcile, lock_timeout=lock_timeout)
    saved = read_plan_file(planfile) if planfile is not None else None
    if saved is not None and reconcile.shapes_the_plan:
        raise click.UsageError("a saved plan is applied as it is: --target, --replace, --prune, --allow-empty and "
                               "--policy-override belong to `plan`")
    as_json = fmt == "json"
    progress = Progress(to_stderr=as_json)
    interrupts = GracefulInterrupts(progress)

    def confirm(chosen: Plan) -> None:
        if saved is None:  # a saved plan was reviewed when it was made
            click.echo(render_plan(chosen, color=use_color() and not as_json), err=as_json)
            confirm_or_cancel(auto_approve)
        progress.total = len(chosen.pending)
        interrupts.arm()  # from here on, Ctrl-C lets the changes in flight finish

    try:
        outcome = commands.run_apply(settings, os.environ, saved=saved, confirm=confirm, parallelism=parallelism,
                                     on_event=progress.event, stop=interrupts.stop)
    except AbandonApply:  # the second Ctrl-C came after the changes, while the lock was being released
        click.echo("Interrupted.", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    finally:
        interrupts.disarm()
    progress.close()
    if as_json:
        click.echo(render_report_json(outcome.plan, outcome.report), nl=False)
    elif outcome.report is None:
        click.echo(render_plan(outcome.plan, color=use_color()), nl=False)
    else:
        click.echo(render_report(outcome.report), nl=False)
    if outcome.report is None:
        if wait_runs:
            click.echo("Apply started no run: nothing to wait for.", err=as_json)
        return
    if interrupts.abandoned:  # the in-flight changes' threads would hold the exit until they finish
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    if outcome.report.interrupted:
        ctx.exit(EXIT_INTERRUPTED)
    if not outcome.report.ok:
        ctx.exit(EXIT_ERROR)  # a failed apply is not waited on: it has failed already
    if wait_runs:
        from hfjobs_spec.cli.operate_commands import wait_after_apply
        from hfjobs_spec.commands.operate import started_runs

        ctx.exit(wait_after_apply(globals_of(ctx), settings, started_runs(outcome.report), wait_timeout,
                                  err=as_json))
    ctx.exit(EXIT_OK)


@cli.command()
@click.argument("planfile", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def show(planfile: Path, fmt: str) -> None:
    """Render a saved plan (from `plan --out`) without touching the Hub.

    \b
    Examples:
      hfjobs-spec show plan.json
      hfjobs-spec show plan.json --format markdown
    """
    from hfjobs_spec.output.plan_json import render_plan_json
    from hfjobs_spec.output.plan_markdown import render_plan_markdown
    from hfjobs_spec.output.plan_text import render_plan
    from hfjobs_spec.reconcile.plan_file import read_plan_file

    saved = read_plan_file(planfile).plan
    if fmt == "json":
        click.echo(render_plan_json(saved), nl=False)
    elif fmt == "markdown":
        click.echo(render_plan_markdown(saved), nl=False)
    else:
        click.echo(f"Saved plan {planfile}, made against {saved.hub or 'an unknown Hub'}, namespaces "
                   f"{', '.join(saved.namespaces) or '-'}.")
        click.echo(render_plan(saved, color=use_color()), nl=False)


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...", shell_complete=complete_job_names)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on-error", is_flag=True, help="Exit 1 when the latest run of a job shown ended in ERROR.")
@hub_options
@click.pass_context
def status(ctx: click.Context, /, names: tuple[str, ...], fmt: str, fail_on_error: bool, project: ProjectArgs,
           reconcile: ReconcileArgs) -> None:
    """Every job of the project (or the NAMEs): next run, last run's stage, duration and URL, sync state.

    SYNC is `in sync`, `pending <change>` (what apply would do), `orphaned` (on the Hub, no manifest
    declares it) or `not applied`. Reads only what plan reads; needs no secret value.

    \b
    Examples:
      hfjobs-spec status
      hfjobs-spec -E prod status nightly-eval --format json
      hfjobs-spec status --fail-on-error   # exit 1 if a latest run failed (for monitoring)
    """
    from hfjobs_spec.commands.reconcile import run_status
    from hfjobs_spec.output.status import render_status, render_status_json

    glob = globals_of(ctx)
    rows = run_status(reconcile_settings(glob, project, reconcile), os.environ, names)
    if fmt == "json":
        click.echo(render_status_json(rows), nl=False)
    else:
        click.echo(render_status(rows, ["hfjobs-spec", *replay_options(glob, project, reconcile), "apply"]),
                   nl=False)
    failed = [row for row in rows if row.errored]
    if fail_on_error and failed:
        for row in failed:
            click.echo(f"error: {row.name}: the latest run ({row.last_run_id}) ended in ERROR", err=True)
        ctx.exit(EXIT_ERROR)


@cli.command("force-unlock")
@click.argument("lock_id")
@hub_options
@click.pass_context
def force_unlock(ctx: click.Context, /, lock_id: str, project: ProjectArgs, reconcile: ReconcileArgs) -> None:
    """Remove the apply lock LOCK_ID left by an apply that died (the id is in the waiting message).

    \b
    Example:
      hfjobs-spec force-unlock 6b0f3c0b50f7ea790181d4b5
    """
    from hfjobs_spec.commands.reconcile import run_force_unlock

    lock = run_force_unlock(reconcile_settings(globals_of(ctx), project, reconcile), os.environ, lock_id)
    click.echo(f"Removed {lock.describe()}.")


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from exc
