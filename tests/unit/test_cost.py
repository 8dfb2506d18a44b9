"""The cost arithmetic against cases computed by hand from the Hub's published price table.

Per-minute prices in micro-dollars (section 11 of the Hub reference: hourly price / 60 × 10⁶, rounded):
cpu-basic 167, cpu-upgrade 500, t4-small 6,667, a10g-small 16,667, a10g-large 25,000, a100-large 41,667.
The window starts on Tuesday 2026-12-01 23:50 UTC and ends on Thursday 2026-12-31 23:50 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from croniter import croniter

from hfjobs_spec.hub.model import HardwarePrice
from hfjobs_spec.reconcile.cost import (
    ChangeCost,
    CostWindow,
    PriceTable,
    format_delta,
    format_usd,
    hourly_price,
    job_cost,
    plan_time,
    run_ceiling,
    total_cost,
)
from hfjobs_spec.reconcile.ticks import count_runs, next_runs

PUBLISHED = {"cpu-basic": 167, "cpu-upgrade": 500, "t4-small": 6_667, "a10g-small": 16_667, "a10g-large": 25_000,
             "a100-large": 41_667}
PRICES = PriceTable.of(HardwarePrice(name, micro, "minute") for name, micro in PUBLISHED.items())
NOW = datetime(2026, 12, 1, 23, 50, tzinfo=UTC)
WINDOW = CostWindow(NOW)


def test_hourly_job_at_the_default_timeout() -> None:
    cost = job_cost("cpu-upgrade", None, None, PRICES, WINDOW, schedule="@hourly")
    assert (cost.timeout_seconds, cost.attempts) == (1800, 1)  # the Hub's default timeout: 30 minutes
    assert cost.run_ceiling_micro_usd == 500 * 30 == 15_000
    assert cost.runs == 30 * 24
    assert cost.monthly_ceiling_micro_usd == 720 * 15_000 == 10_800_000
    assert format_usd(cost.monthly) == "$10.80" and not cost.capped


def test_nightly_job_with_two_attempts() -> None:
    cost = job_cost("a10g-small", 2 * 3600, 2, PRICES, WINDOW, schedule="0 3 * * *")
    assert cost.run_ceiling_micro_usd == 16_667 * 120 * 2 == 4_000_080
    assert cost.runs == 30  # Dec 2 .. Dec 31 at 03:00
    assert cost.monthly == 120_002_400 and format_usd(cost.monthly) == "$120.00"


def test_six_hourly_a10g_large_with_three_attempts_is_the_issues_1080_dollars() -> None:
    cost = job_cost("a10g-large", 2 * 3600, 3, PRICES, WINDOW, schedule="0 */6 * * *")
    assert cost.run_ceiling_micro_usd == 25_000 * 120 * 3 == 9_000_000
    assert cost.runs == 120 and cost.monthly == 1_080_000_000 and not cost.capped
    assert format_usd(cost.monthly) == "$1,080.00"


def test_weekly_runs_on_sundays_at_midnight() -> None:
    cost = job_cost("t4-small", 3600, 1, PRICES, WINDOW, schedule="@weekly")
    assert cost.runs == 4  # Dec 6, 13, 20, 27
    assert cost.monthly == 4 * 6_667 * 60 == 1_600_080


def test_monthly_counts_the_first_of_the_month_only_if_it_falls_in_the_window() -> None:
    assert job_cost("a100-large", None, None, PRICES, WINDOW, schedule="@monthly").runs == 0  # Jan 1 is day 31
    later = job_cost("a100-large", None, None, PRICES, CostWindow(datetime(2026, 12, 15, tzinfo=UTC)),
                     schedule="@monthly")
    assert later.runs == 1 and later.monthly == 41_667 * 30 == 1_250_010


def test_suspended_jobs_cost_nothing_but_keep_their_run_ceiling() -> None:
    cost = job_cost("a10g-large", 3600, 1, PRICES, WINDOW, schedule="@hourly", suspend=True)
    assert cost.runs == 0 and cost.monthly_ceiling_micro_usd == 0
    assert cost.run_ceiling_micro_usd == 1_500_000
    assert not ChangeCost(after=cost).unknown


def test_unknown_flavor_is_price_unknown_never_a_guess() -> None:
    cost = job_cost("tpu-v9", 3600, 1, PRICES, WINDOW, schedule="0 3 * * *")
    assert not cost.known and cost.run_ceiling_micro_usd is None and cost.monthly_ceiling_micro_usd is None
    assert cost.runs == 30  # the schedule is still known
    total = total_cost([("tpu", ChangeCost(after=cost)),
                        ("gpu", ChangeCost(after=job_cost("a10g-large", 3600, 1, PRICES, WINDOW,
                                                          schedule="0 3 * * *")))])
    assert total.monthly_after == 30 * 1_500_000 and total.unknown == ("tpu",)
    unreadable = job_cost("cpu-basic", None, None, PriceTable.unavailable("503"), WINDOW)
    assert unreadable.run_ceiling_micro_usd is None


def test_a_partial_minute_rounds_the_run_ceiling_up_once() -> None:
    assert job_cost("cpu-basic", 90, 1, PRICES, WINDOW).run_ceiling_micro_usd == 251  # 167 × 1.5 = 250.5
    assert run_ceiling(HardwarePrice("x", 1, "minute"), 1, 1) == 1
    assert run_ceiling(HardwarePrice("x", 3600, "hour"), 60, 2) == 120


def test_runs_that_cannot_overlap_are_capped_at_one_at_a_time() -> None:
    every_minute = job_cost("cpu-basic", None, None, PRICES, WINDOW, schedule="* * * * *")
    assert every_minute.runs == 43_200 and every_minute.capped
    assert every_minute.monthly == -(-167 * (43_200 + 30) // 1) == 7_219_410
    overlapping = job_cost("cpu-basic", None, None, PRICES, WINDOW, schedule="* * * * *", concurrency=True)
    assert not overlapping.capped and overlapping.monthly == 43_200 * 5_010


def test_change_and_plan_totals_before_and_after() -> None:
    nightly = job_cost("a10g-large", 3600, 1, PRICES, WINDOW, schedule="0 3 * * *")
    hourly = job_cost("a10g-large", 3600, 1, PRICES, WINDOW, schedule="0 * * * *")
    typo = ChangeCost(before=nightly, after=hourly)
    assert typo.monthly_before == 45_000_000 and typo.monthly_after == 720 * 1_500_000
    one_off = ChangeCost(after=job_cost("t4-small", 600, 1, PRICES, WINDOW), one_off_micro_usd=66_670)
    deleted = ChangeCost(before=nightly)
    total = total_cost([("a", typo), ("b", one_off), ("c", deleted)])
    assert (total.monthly_before, total.monthly_after, total.one_off) == (90_000_000, 1_080_000_000, 66_670)
    assert format_delta(total.monthly_delta) == "+$990.00" and format_delta(-1) == "-$0.000001"


def test_prices_from_a_hostile_list_are_left_unknown() -> None:
    table = PriceTable.of([HardwarePrice("a", -1, "minute"), HardwarePrice("b", 5, "fortnight"),
                           HardwarePrice("c", 5, "second")])
    assert set(table.prices) == {"c"}
    assert hourly_price(table.prices["c"]) == 18_000 and hourly_price(PRICES.prices["a10g-large"]) == 1_500_000


def test_plan_time_is_utc_to_the_minute() -> None:
    assert plan_time(datetime(2026, 12, 1, 23, 50, 59, 999, tzinfo=UTC)) == NOW


@pytest.mark.parametrize("schedule", ["*/7 3-5 * * *", "0 0 1,15 * mon", "@weekly", "@hourly", "@yearly",
                                      "30 2 */3 * 1-5", "0 0 * * 7", "5 4 29 2 *", "*/13 * 31 * *", "0 12 * * sun"])
def test_tick_counts_and_lists_agree_with_walking_croniter(schedule: str) -> None:
    for start in (NOW, datetime(2028, 2, 10, 0, 0, tzinfo=UTC), datetime(2027, 6, 30, 12, 13, tzinfo=UTC)):
        end = start + timedelta(days=30)
        walker, walked = croniter(schedule.lower(), start), []
        while (tick := walker.get_next(datetime)) <= end:
            walked.append(tick)
        assert count_runs(schedule, start, end) == len(walked)
        assert next_runs(schedule, start, end) == walked
        assert next_runs(schedule, start, end, limit=2) == walked[:2]
