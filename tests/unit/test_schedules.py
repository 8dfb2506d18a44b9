"""One schedule rule: what validate accepts, localhub (standing in for the Hub) accepts, and it fires."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from croniter import croniter
from hypothesis import given
from hypothesis import strategies as st

from hfjobs_spec.errors import ManifestErrors
from hfjobs_spec.localhub.common import ApiError
from hfjobs_spec.localhub.cron import validate_schedule
from hfjobs_spec.schedules import schedule_problem

ATOMS = st.sampled_from(["*", "0", "1", "5", "7", "12", "23", "25", "28", "59", "60", "mon", "jan", "L", "?", "#2",
                         "H", "1-5", "5-1", "*/15", "*/0", "1,15", "mon-fri", "0-6/2"])
SCHEDULES = st.one_of(
    st.lists(ATOMS, min_size=4, max_size=6).map(" ".join),
    st.sampled_from(["@daily", "@hourly", "@midnight", "@fortnightly", "@yearly", "@reboot"]),
)


def localhub_accepts(schedule: str) -> bool:
    try:
        validate_schedule(schedule)
    except ApiError:
        return False
    return True


@given(SCHEDULES)
def test_validate_and_localhub_agree_and_accepted_schedules_fire(schedule: str) -> None:
    accepted = schedule_problem(schedule) is None
    assert accepted == localhub_accepts(schedule)
    if accepted and not schedule.startswith("@"):
        day = schedule.split()[2]
        if day in ("*", "1", "5", "7", "12", "23", "28", "1-5", "*/15", "1,15"):  # days every month has
            croniter(schedule, datetime(2026, 1, 1, tzinfo=UTC)).get_next(datetime)


@pytest.mark.parametrize(("schedule", "problem"), [
    ("0 25 * * *", "hour field '25': 25 is out of range (0-23)"),
    ("61 * * * *", "minute field '61': 61 is out of range (0-59)"),
    ("0 0 L * *", "day of month field 'L': 'L' is not a number"),
    ("0 0 * * 1#2", "day of week field '1#2' is not plain cron"),
    ("*/0 * * * *", "a step must be at least 1"),
    ("0 0 * * 5-1", "a range must go up (5-1)"),
    ("0 3 * *", "has 4 fields"),
    ("@midnight", "unknown named schedule"),
])
def test_problems_name_the_field(schedule: str, problem: str) -> None:
    assert problem in (schedule_problem(schedule) or "")


def test_validate_reports_the_field_at_its_line(tmp_path: Path) -> None:
    from tests.manifest.helpers import PROJECT_HEADER, specs

    (tmp_path / "hfjobs.yaml").write_text(PROJECT_HEADER)
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "a.yaml").write_text(
        "apiVersion: hfjobs/v1\nname: a\nschedule: '0 0 L * *'\nimage: x\ncommand: [x]\n")
    with pytest.raises(ManifestErrors) as raised:
        specs(tmp_path)
    assert [str(issue) for issue in raised.value.issues] == [
        "jobs/a.yaml:3:11: error: schedule: '0 0 L * *' is not a schedule the Hub accepts: day of month field "
        "'L': 'L' is not a number"]
