"""When a schedule runs: exact tick counts and lists over a window, in UTC, without walking minute by minute.

croniter parses the expression (named schedules included, as the Hub and localhub read them); the
ticks are then enumerated day by day from its expanded fields. Counting an every-minute schedule
over 30 days this way takes a few hundred steps, where `croniter.get_next` would take 43,200.
Day of month and day of week combine as croniter (and Vixie cron) combine them: when both are
restricted, a day matching either runs.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

ALL_MINUTES = tuple(range(60))
ALL_HOURS = tuple(range(24))


@dataclass(frozen=True, eq=False)
class CronFields:
    """A schedule expanded: the minutes, hours, days, months and week days (0 = Sunday) it runs on.

    `days`/`week_days` are None when the field is unrestricted (`*`).
    """

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int] | None
    months: frozenset[int]
    week_days: frozenset[int] | None

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        week_day = (day.weekday() + 1) % 7  # Python's Monday = 0; cron's Sunday = 0
        if self.days is None and self.week_days is None:
            return True
        if self.days is None:
            return week_day in (self.week_days or ())
        if self.week_days is None:
            return day.day in self.days
        return day.day in self.days or week_day in self.week_days

    @property
    def per_day(self) -> int:
        return len(self.minutes) * len(self.hours)

    @functools.cached_property
    def day_seconds(self) -> tuple[int, ...]:
        """The ticks of a day that runs, as seconds after midnight, in order."""
        return tuple(hour * 3600 + minute * 60 for hour in self.hours for minute in self.minutes)


@functools.lru_cache(maxsize=4096)
def expand(schedule: str) -> CronFields:
    """The fields of a schedule that `hfjobs_spec.schedules.schedule_problem` accepts."""
    from croniter import croniter  # lazily: it pulls in dateutil, slow to import on every start

    fields, _ = croniter.expand(schedule.strip().lower())

    def values(index: int, every: tuple[int, ...]) -> tuple[int, ...]:
        field = fields[index]
        return every if field == ["*"] else tuple(sorted({int(v) for v in field}))

    def restricted(index: int) -> frozenset[int] | None:
        field = fields[index]
        return None if field == ["*"] else frozenset(int(v) % 7 if index == 4 else int(v) for v in field)

    return CronFields(minutes=values(0, ALL_MINUTES), hours=values(1, ALL_HOURS), days=restricted(2),
                      months=frozenset(values(3, tuple(range(1, 13)))), week_days=restricted(4))


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("schedule arithmetic needs a timezone-aware datetime")
    return when.astimezone(UTC)


def _days(after: datetime, until: datetime) -> Iterator[date]:
    day = after.date()
    while day <= until.date():
        yield day
        day += timedelta(days=1)


@functools.lru_cache(maxsize=4096)  # a plan asks for the same few schedules over the same window
def count_runs(schedule: str, after: datetime, until: datetime) -> int:
    """How many ticks fall in (after, until]."""
    after, until = _utc(after), _utc(until)
    if until <= after:
        return 0
    fields = expand(schedule)
    total = 0
    for day in _days(after, until):
        if not fields.runs_on(day):
            continue
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if start > after and start + timedelta(days=1) <= until:  # a whole day inside
            total += fields.per_day
        else:  # the first or last day: the ticks in (after, until], found by bisection
            low = (after - start).total_seconds()
            high = (until - start).total_seconds()
            total += bisect.bisect_right(fields.day_seconds, high) - bisect.bisect_right(fields.day_seconds, low)
    return total


def next_runs(schedule: str, after: datetime, until: datetime, limit: int | None = None) -> list[datetime]:
    """The ticks in (after, until], oldest first, at most `limit` of them."""
    after, until = _utc(after), _utc(until)
    fields = expand(schedule)
    found: list[datetime] = []
    for day in _days(after, until):
        if not fields.runs_on(day):
            continue
        for tick in _ticks_of_day(fields, day, after, until):
            if limit is not None and len(found) >= limit:
                return found
            found.append(tick)
    return found


def _ticks_of_day(fields: CronFields, day: date, after: datetime, until: datetime) -> Iterator[datetime]:
    for hour in fields.hours:
        for minute in fields.minutes:
            tick = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
            if after < tick <= until:
                yield tick
