"""`hfjobs-spec calendar`: every scheduled job's next runs, the overlaps on one GPU flavor, each day's ceiling.

A run occupies its ceiling's length (timeout × attempts) from its tick. Two runs overlap when those
spans meet on the same GPU flavor (CPU flavors are not scarce, so they are not flagged). A job
overlaps itself only with `concurrency: true`; with `concurrency: false` the Hub skips a tick while
the previous run is still going, so such a tick is marked "may be skipped" instead. Suspended jobs
have no runs. A day's ceiling is the sum of the ceilings of the runs that start on it (UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.cost import CostWindow, PriceTable, iso, plan_time, spec_cost
from hfjobs_spec.reconcile.ticks import next_runs

MAX_DAYS = 366


def is_gpu(flavor: str) -> bool:
    return not flavor.startswith("cpu-")


@dataclass
class CalendarRun:
    job: str
    namespace: str
    flavor: str
    start: datetime
    end: datetime
    ceiling_micro_usd: int | None
    overlaps: set[str] = field(default_factory=set)
    may_be_skipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.job, "namespace": self.namespace, "flavor": self.flavor, "start": iso(self.start),
                "end": iso(self.end), "ceiling_micro_usd": self.ceiling_micro_usd,
                "overlaps": sorted(self.overlaps), "may_be_skipped": self.may_be_skipped}


@dataclass(frozen=True)
class CalendarDay:
    day: date
    runs: tuple[CalendarRun, ...]

    @property
    def ceiling_micro_usd(self) -> int:
        return sum(run.ceiling_micro_usd or 0 for run in self.runs)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(sorted({run.job for run in self.runs if run.ceiling_micro_usd is None}))


@dataclass(frozen=True)
class Calendar:
    start: datetime
    days: tuple[CalendarDay, ...]
    prices_error: str | None = None

    @property
    def runs(self) -> list[CalendarRun]:
        return [run for day in self.days for run in day.runs]


def calendar(specs: Sequence[JobSpec], prices: PriceTable, now: datetime, days: int) -> Calendar:
    """The runs in (now, now + days] of every scheduled, unsuspended spec, grouped by UTC day."""
    start = plan_time(now)
    end = start + timedelta(days=days)
    window = CostWindow(start)
    runs: list[CalendarRun] = []
    concurrent: dict[str, bool] = {}
    for spec in specs:
        if spec.schedule is None or spec.suspend:
            continue
        cost = spec_cost(spec, prices, window)
        span = timedelta(seconds=cost.timeout_seconds * cost.attempts)
        concurrent[spec.name] = spec.concurrency
        runs += [CalendarRun(spec.name, spec.namespace or "", spec.flavor, tick, tick + span,
                             cost.run_ceiling_micro_usd) for tick in next_runs(spec.schedule, start, end)]
    runs.sort(key=lambda run: (run.start, run.job))
    _mark_overlaps(runs, concurrent)
    grouped: dict[date, list[CalendarRun]] = {}
    for run in runs:
        grouped.setdefault(run.start.date(), []).append(run)
    return Calendar(start, tuple(CalendarDay(day, tuple(items)) for day, items in sorted(grouped.items())),
                    prices.error)


def _mark_overlaps(runs: list[CalendarRun], concurrent: dict[str, bool]) -> None:
    """A sweep per flavor over runs sorted by start: each run meets the still-going runs before it."""
    going: dict[str, list[CalendarRun]] = {}
    for run in runs:
        active = [other for other in going.get(run.flavor, []) if other.end > run.start]
        for other in active:
            if other.job == run.job and other.namespace == run.namespace:
                if concurrent.get(run.job, False):
                    if is_gpu(run.flavor):
                        run.overlaps.add(other.job)
                        other.overlaps.add(run.job)
                else:
                    run.may_be_skipped = True
            elif is_gpu(run.flavor):
                run.overlaps.add(other.job)
                other.overlaps.add(run.job)
        going[run.flavor] = [*active, run]
