"""Schedules: validation and tick arithmetic, in UTC, on top of `croniter`.

What is accepted is `hfjobs_spec.schedules`, the rule `validate` uses too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hfjobs_spec.localhub.clock import from_ms, to_ms
from hfjobs_spec.localhub.common import bad_request
from hfjobs_spec.schedules import NAMED_SCHEDULES, schedule_problem


def _croniter(expression: str, start: datetime) -> Any:
    # Imported lazily: croniter pulls in dateutil, which would slow every CLI start-up.
    from croniter import croniter

    return croniter(expression, start)


def validate_schedule(value: Any) -> str:
    """Return the schedule unchanged if valid, else raise a 400 explaining the accepted forms."""
    if not isinstance(value, str) or not value.strip():
        raise bad_request(
            "schedule is required (a 5-field cron expression or " + "|".join(NAMED_SCHEDULES) + ")"
        )
    problem = schedule_problem(value)
    if problem is not None:
        raise bad_request(f"schedule: {value!r}: {problem}")
    return value


def next_tick_ms(schedule: str, after_ms: int) -> int:
    """The first tick strictly after `after_ms`."""
    it = _croniter(schedule.strip().lower(), from_ms(after_ms))
    return to_ms(it.get_next(datetime))


def ticks_between_ms(schedule: str, after_ms: int, until_ms: int, limit: int) -> list[int]:
    """Ticks in (after_ms, until_ms], oldest first, keeping at most the `limit` most recent.

    Walking backwards from `until_ms` means a huge clock jump costs `limit` steps, not one step
    per missed tick, and the newest ticks (which decide `lastJob`) are always kept.
    """
    if until_ms <= after_ms or limit <= 0:
        return []
    # get_prev() is strictly before its start; cron ticks fall on whole minutes, so starting one
    # millisecond past `until_ms` includes a tick exactly at `until_ms`.
    it = _croniter(schedule.strip().lower(), from_ms(until_ms + 1))
    ticks: list[int] = []
    while len(ticks) < limit:
        tick = to_ms(it.get_prev(datetime))
        if tick <= after_ms:
            break
        ticks.append(tick)
    ticks.reverse()
    return ticks
