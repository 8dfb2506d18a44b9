"""The one schedule rule, shared by validation and localhub: what the Hub is known to accept.

The named schedules the Hub documents and standard 5-field cron (numbers, `*`, ranges, lists,
steps, three-letter month and day names), in UTC. croniter's extensions (a 6th seconds field,
`L`, `#`, `?`, `H`, `@midnight`, ...) are refused: nothing says the Hub accepts them, and a
schedule that validates must not fail at apply with a 400.
"""

from __future__ import annotations

import functools
import re

NAMED_SCHEDULES = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names allowed in the field); a day of week of 7 is Sunday, as in cron.
FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()), ("month", 1, 12, MONTHS),
          ("day of week", 0, 7, DAYS))
_PART = re.compile(r"(?P<base>\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(?P<step>[0-9]+))?", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def schedule_problem(schedule: str) -> str | None:
    """None if the Hub accepts `schedule`, else what is wrong with it, naming the field."""
    text = schedule.strip()
    if text.startswith("@"):
        return None if text.lower() in NAMED_SCHEDULES else (
            f"unknown named schedule; use one of {', '.join(NAMED_SCHEDULES)}")
    fields = text.split()
    if len(fields) != 5:
        return f"has {len(fields)} fields; cron has 5: minute hour day-of-month month day-of-week (UTC)"
    for value, field in zip(fields, FIELDS, strict=True):
        problem = _field_problem(value, *field)
        if problem:
            return problem
    from croniter import croniter  # lazily: it pulls in dateutil, slow to import on every start

    return None if croniter.is_valid(text.lower()) else "is not a valid cron expression"


def _field_problem(value: str, name: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    for part in value.split(","):
        match = _PART.fullmatch(part)
        if match is None:
            return (f"{name} field {value!r} is not plain cron (numbers, *, ranges a-b, lists a,b, steps /n"
                    f"{', names' if names else ''})")
        step = match.group("step")
        if step is not None and int(step) < 1:
            return f"{name} field {value!r}: a step must be at least 1"
        if match.group("base") == "*":
            continue
        bounds = [_number(atom, names) for atom in match.group("base").split("-")]
        for number, atom in zip(bounds, match.group("base").split("-"), strict=True):
            if number is None:
                return f"{name} field {value!r}: {atom!r} is not a number" + (
                    f" or one of {', '.join(names)}" if names else "")
            if not low <= number <= high:
                return f"{name} field {value!r}: {number} is out of range ({low}-{high})"
        if len(bounds) == 2 and bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
            return f"{name} field {value!r}: a range must go up ({bounds[0]}-{bounds[1]})"
    return None


def _number(atom: str, names: tuple[str, ...]) -> int | None:
    if atom.isdigit() and len(atom) <= 4:
        return int(atom)
    if atom.lower() in names:
        return names.index(atom.lower()) + (1 if names is MONTHS else 0)
    return None
