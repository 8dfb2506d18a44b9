"""`destroy`: the plan that removes every managed job of the project environment, confirmed like apply."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

import click

from hfjobs_spec.cli.apply_session import GracefulInterrupts, Progress, confirm_or_cancel
from hfjobs_spec.cli.group import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, cli
from hfjobs_spec.cli.options import (
    ProjectArgs,
    ReconcileArgs,
    complete_job_names,
    execution_options,
    globals_of,
    hub_options,
    reconcile_settings,
    use_color,
)

if TYPE_CHECKING:
    from hfjobs_spec.reconcile.destroy import DestroyPlan


@cli.command()
@click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this job (repeatable).",
              shell_complete=complete_job_names)
@execution_options
@hub_options
@click.pass_context
def destroy(ctx: click.Context, /, targets: tuple[str, ...], auto_approve: bool, parallelism: int,
            lock_timeout: float, fmt: str, project: ProjectArgs, reconcile: ReconcileArgs) -> None:
    """Delete every managed scheduled job and cancel every managed active run of the project environment.

    Works from the Hub's labels, even when the manifests are broken or gone. Refused, with nothing
    changed, while a job applied with `protect: true` is among them. Unmanaged jobs and the jobs of
    other tools, projects and environments are never touched. Finished runs stay on the Hub as
    history (the Hub cannot delete a run).

    \b
    Examples:
      hfjobs-spec destroy
      hfjobs-spec -E staging destroy --auto-approve
      hfjobs-spec destroy --target nightly-eval --target smoke-test
    """
    from hfjobs_spec.commands.destroy import run_destroy
    from hfjobs_spec.output.apply import render_report, render_report_json
    from hfjobs_spec.output.plan_text import render_plan

    chosen = dataclasses.replace(reconcile, targets=tuple(targets))
    settings = reconcile_settings(globals_of(ctx), project, chosen, lock_timeout=lock_timeout)
    as_json = fmt == "json"
    progress = Progress(to_stderr=as_json)
    interrupts = GracefulInterrupts(progress)

    def history(planned: DestroyPlan) -> str:
        count = planned.finished_runs
        if not count:
            return ""
        return (f"{count} finished run{'s' if count != 1 else ''} of this project stay{'s' if count == 1 else ''} "
                "on the Hub as history: the Hub has no way to delete a run.\n")

    def confirm(planned: DestroyPlan) -> None:
        click.echo(render_plan(planned.plan, color=use_color() and not as_json) + history(planned), err=as_json,
                   nl=False)
        confirm_or_cancel(auto_approve, "destroy", "Destroy these jobs?")
        progress.total = len(planned.plan.pending)
        interrupts.arm()

    try:
        outcome = run_destroy(settings, os.environ, confirm=confirm, parallelism=parallelism,
                              on_event=progress.event, stop=interrupts.stop)
    finally:
        interrupts.disarm()
    progress.close()
    if as_json:
        click.echo(render_report_json(outcome.planned.plan, outcome.report), nl=False)
    elif outcome.report is None:
        where = f"project {outcome.planned.plan.project}, environment {outcome.planned.plan.environment or 'default'}"
        click.echo(f"{where}: no managed job to destroy.\n{history(outcome.planned)}", nl=False)
    else:
        click.echo(render_report(outcome.report, "destroy"), nl=False)
    if outcome.report is None:
        return
    if outcome.report.interrupted:
        ctx.exit(EXIT_INTERRUPTED)
    ctx.exit(EXIT_OK if outcome.report.ok else EXIT_ERROR)
