"""`hfjobs-spec calendar` as text (a block per UTC day) or JSON.

A job with more than `DENSE` runs in a day is summed up on one line (its first and last run), so an
every-minute schedule reads as one line a day, not 1,440.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, tzinfo

from hfjobs_spec.reconcile.calendar import Calendar, CalendarRun
from hfjobs_spec.reconcile.cost import format_usd, iso

JSON_FORMAT_VERSION = 1
DENSE = 12


def _at(when: datetime, zone: tzinfo | None) -> str:
    utc = when.strftime("%H:%M UTC")
    if zone is None:
        return utc
    local = when.astimezone(zone)
    return f"{utc} ({local:%a %H:%M} {local.tzname()})"


def _marks(runs: Sequence[CalendarRun]) -> str:
    overlaps = sorted({name for run in runs for name in run.overlaps})
    marks = []
    if overlaps:
        marks.append(f"OVERLAPS on {runs[0].flavor}: {', '.join(overlaps)}")
    if any(run.may_be_skipped for run in runs):
        marks.append("may be skipped: the previous run may still be going (concurrency: false)")
    return f"  ! {'; '.join(marks)}" if marks else ""


def _ceiling(runs: Sequence[CalendarRun]) -> str:
    if any(run.ceiling_micro_usd is None for run in runs):
        return "price unknown"
    return f"up to {format_usd(sum(run.ceiling_micro_usd or 0 for run in runs))}"


def render_calendar(cal: Calendar, zone: tzinfo | None = None) -> str:
    if not cal.days:
        return f"No scheduled runs in the window from {iso(cal.start)}.\n"
    lines = []
    for day in cal.days:
        unknown = f" (price unknown: {', '.join(day.unknown)})" if day.unknown else ""
        lines.append(f"{day.day:%a %Y-%m-%d}: {len(day.runs)} run{'s' if len(day.runs) != 1 else ''}, "
                     f"ceiling {format_usd(day.ceiling_micro_usd)}{unknown}")
        by_job: dict[tuple[str, str], list[CalendarRun]] = {}
        for run in day.runs:
            by_job.setdefault((run.namespace, run.job), []).append(run)
        dense = {key for key, runs in by_job.items() if len(runs) > DENSE}
        shown: set[tuple[str, str]] = set()
        for run in day.runs:
            key = (run.namespace, run.job)
            if key in dense:
                if key in shown:
                    continue
                shown.add(key)
                runs = by_job[key]
                lines.append(f"  {len(runs)} runs {_at(runs[0].start, zone)} .. {_at(runs[-1].start, zone)}  "
                             f"{run.job} ({run.namespace}, {run.flavor})  {_ceiling(runs)}{_marks(runs)}")
                continue
            lines.append(f"  {_at(run.start, zone)}  {run.job} ({run.namespace}, {run.flavor})  "
                         f"{_ceiling([run])}{_marks([run])}")
    if cal.prices_error:
        lines.append(f"warning: {cal.prices_error}")
    return "\n".join(lines) + "\n"


def render_calendar_json(cal: Calendar, zone: tzinfo | None = None) -> str:
    days = [{"day": day.day.isoformat(), "ceiling_micro_usd": day.ceiling_micro_usd, "unknown": list(day.unknown),
             "runs": [{**run.to_dict(), **({"local_start": run.start.astimezone(zone).isoformat()} if zone else {})}
                      for run in day.runs]}
            for day in cal.days]
    return json.dumps({"format_version": JSON_FORMAT_VERSION, "start": iso(cal.start), "prices_error": cal.prices_error,
                       "time_zone": str(zone) if zone else None, "days": days}, indent=2, sort_keys=True) + "\n"
