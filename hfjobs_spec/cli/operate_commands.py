"""`logs`, `wait` and `run`: operating the managed jobs by manifest name after apply."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import click

from hfjobs_spec.cli.group import EXIT_ERROR, EXIT_OK, cli
from hfjobs_spec.cli.options import (
    GlobalOptions,
    ProjectArgs,
    ReconcileArgs,
    complete_job_names,
    globals_of,
    hub_options,
    optional_duration,
    reconcile_settings,
)

if TYPE_CHECKING:
    from hfjobs_spec.commands.reconcile import ReconcileSettings
    from hfjobs_spec.reconcile.watch import RunEvent, RunRef


@cli.command()
@click.argument("name", shell_complete=complete_job_names)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until the run ends.")
@click.option("--run", "run_id", metavar="ID", help="This run of the job instead of its latest.")
@click.option("-n", "--tail", type=click.IntRange(min=0), metavar="N", help="Only the last N lines.")
@hub_options
@click.pass_context
def logs(ctx: click.Context, /, name: str, follow: bool, run_id: str | None, tail: int | None,
         project: ProjectArgs, reconcile: ReconcileArgs) -> None:
    """The logs of job NAME's latest run (of a scheduled job: its last run).

    Log lines go to stdout; which run, and with --follow its stage changes, to stderr.

    \b
    Examples:
      hfjobs-spec logs smoke-test --follow
      hfjobs-spec logs nightly-eval --tail 50 --run 68a1c0ffee0123456789abcd
    """
    from hfjobs_spec.commands.operate import find_runs, stream_logs
    from hfjobs_spec.output.operate import event_line, log_line, run_label

    glob = globals_of(ctx)
    settings = reconcile_settings(glob, project, reconcile)
    ref = find_runs(settings, os.environ, [name], run_id=run_id)[0]
    click.echo(f"Logs of {run_label(ref)}{', ' + ref.stage if ref.stage and not follow else ''}:", err=True)
    for item in stream_logs(settings, ref, glob.clock(), follow=follow, tail=tail):
        if isinstance(item, str):
            click.echo(log_line(item))
        else:
            click.echo(event_line(item), err=True)
    if not follow and ref.stage in ("SCHEDULING", "RUNNING"):
        click.echo(f"The run is {ref.stage}: --follow keeps printing until it ends.", err=True)


@cli.command()
@click.argument("names", nargs=-1, required=True, metavar="NAME...", shell_complete=complete_job_names)
@click.option("--timeout", callback=optional_duration, metavar="DURATION",
              help="Give up after this long (90, 30s, 5m, 1h; default: no limit).")
@hub_options
@click.pass_context
def wait(ctx: click.Context, /, names: tuple[str, ...], timeout: float | None, project: ProjectArgs,
         reconcile: ReconcileArgs) -> None:
    """Wait until the latest runs of jobs NAME... end, showing each stage change.

    Exit 0 if every run completed; 1 if any ended in error, was cancelled, or was still going when
    the timeout passed (the last line names which).

    \b
    Examples:
      hfjobs-spec wait smoke-test
      hfjobs-spec -E prod wait train evaluate --timeout 2h
    """
    from hfjobs_spec.commands.operate import find_runs, watch_runs

    glob = globals_of(ctx)
    settings = reconcile_settings(glob, project, reconcile)
    refs = find_runs(settings, os.environ, names)
    ctx.exit(_report_wait(watch_runs(settings, refs, glob.clock(), timeout=timeout)))


def _report_wait(events: Iterable[RunEvent], *, err: bool = False) -> int:
    """Print every stage change, then the verdict; the exit code."""
    from hfjobs_spec.output.operate import event_line, final_events, wait_verdict

    seen = []
    for event in events:
        seen.append(event)
        click.echo(event_line(event), err=err)
    finals = final_events(seen)
    click.echo(wait_verdict(finals), err=err)
    return EXIT_OK if all(event.ok for event in finals) else EXIT_ERROR


def wait_after_apply(glob: GlobalOptions, settings: ReconcileSettings, refs: Sequence[RunRef],
                     timeout: float | None, *, err: bool) -> int:
    """`apply --wait`: the runs apply itself started, waited for as `wait` does."""
    from hfjobs_spec.commands.operate import watch_runs

    if not refs:
        click.echo("Apply started no run: nothing to wait for.", err=err)
        return EXIT_OK
    click.echo(f"Waiting for the {len(refs)} run{'s' if len(refs) != 1 else ''} apply started:", err=err)
    return _report_wait(watch_runs(settings, refs, glob.clock(), timeout=timeout), err=err)


@cli.command("run")
@click.argument("name", shell_complete=complete_job_names)
@click.option("-f", "--follow", is_flag=True,
              help="Then print the run's logs until it ends; exit 1 unless it completed.")
@hub_options
@click.pass_context
def run_now(ctx: click.Context, /, name: str, follow: bool, project: ProjectArgs, reconcile: ReconcileArgs) -> None:
    """Run job NAME now, by hand, outside the revision rule.

    A scheduled job is triggered on the Hub (its deployed spec; its schedule is unchanged). A
    one-shot job, or a scheduled one with --var values that render it differently, runs once as the
    manifest renders now. The run is marked as started by hand: apply never cancels it, retires it
    or counts it as the revision's run.

    \b
    Examples:
      hfjobs-spec run nightly-eval
      hfjobs-spec run dev-report --var model=openai-community/gpt2-large --follow
    """
    from hfjobs_spec.commands.operate import start_run, stream_logs
    from hfjobs_spec.output.operate import event_line, log_line, run_label

    glob = globals_of(ctx)
    settings = reconcile_settings(glob, project, reconcile)
    merged = project.over(glob.project)
    started = start_run(settings, os.environ, name, overrides=bool(merged.var or merged.values))
    how = "triggered its schedule" if started.how == "trigger" else "a one-shot run of the manifest"
    where = "" if settings.hub.local or not started.run.url else f" {started.run.url}"
    click.echo(f"Started {run_label(started.run)}: {how}.{where}")
    if started.note:
        click.echo(f"note: {started.note}", err=True)
    if not follow:
        return
    last: RunEvent | None = None
    for item in stream_logs(settings, started.run, glob.clock(), follow=True):
        if isinstance(item, str):
            click.echo(log_line(item))
        else:
            last = item
            click.echo(event_line(item), err=True)
    ctx.exit(EXIT_OK if last is not None and last.ok else EXIT_ERROR)
