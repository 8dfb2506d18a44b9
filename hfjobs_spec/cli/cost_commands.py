"""`cost` and `calendar`: what the declared jobs may cost, and when they run."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from hfjobs_spec.cli.group import cli
from hfjobs_spec.cli.options import ProjectArgs, ReconcileArgs, globals_of, hub_options, reconcile_settings

if TYPE_CHECKING:
    from datetime import tzinfo

    from hfjobs_spec.commands.reconcile import ReconcileSettings

FROM_OPTION = click.option("--from", "start", metavar="TIME",
                           help="Start the window here instead of now: ISO 8601, e.g. 2027-01-04T09:00Z (UTC if no "
                                "zone).")


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time such as 2027-01-04T09:00Z",
                                 param_hint="--from") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{name!r} is not a time zone name such as Europe/Paris or America/New_York",
                                 param_hint="--tz") from None


def _settings(ctx: click.Context, project: ProjectArgs, reconcile: ReconcileArgs,
              start: str | None) -> ReconcileSettings:
    return dataclasses.replace(reconcile_settings(globals_of(ctx), project, reconcile), now=_time(start))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--live", is_flag=True,
              help="Also what the managed runs of the last 30 days cost (running time × price).")
@FROM_OPTION
@hub_options
@click.pass_context
def cost(ctx: click.Context, /, fmt: str, live: bool, start: str | None, project: ProjectArgs,
         reconcile: ReconcileArgs) -> None:
    """Every declared job's price, ceiling per run, runs in 30 days and monthly ceiling, with totals.

    \b
    Examples:
      hfjobs-spec cost
      hfjobs-spec -E prod cost --live --format markdown
    """
    from hfjobs_spec.commands.costs import run_cost
    from hfjobs_spec.output.cost_report import render_cost, render_cost_json, render_cost_markdown

    report = run_cost(_settings(ctx, project, reconcile, start), os.environ, live=live)
    render = {"json": render_cost_json, "markdown": render_cost_markdown}.get(fmt, render_cost)
    click.echo(render(report), nl=False)


@cli.command()
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True, help="How many days ahead.")
@click.option("--tz", "zone", metavar="ZONE", help="Also show each run in this time zone (e.g. Europe/Paris).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@FROM_OPTION
@hub_options
@click.pass_context
def calendar(ctx: click.Context, /, days: int, zone: str | None, fmt: str, start: str | None, project: ProjectArgs,
             reconcile: ReconcileArgs) -> None:
    """The next runs of every scheduled job, overlaps on one GPU flavor, and each day's cost ceiling.

    \b
    Examples:
      hfjobs-spec calendar
      hfjobs-spec calendar --days 14 --tz Europe/Paris
    """
    from hfjobs_spec.commands.costs import run_calendar
    from hfjobs_spec.output.calendar import render_calendar, render_calendar_json

    tz = _zone(zone)
    result = run_calendar(_settings(ctx, project, reconcile, start), os.environ, days=days)
    click.echo(render_calendar_json(result, tz) if fmt == "json" else render_calendar(result, tz), nl=False)
