"""Cron behaviour: tick times in UTC, concurrency, catch-up after clock jumps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import Clock, scheduler
from hfjobs_spec.localhub.clock import to_ms
from hfjobs_spec.localhub.common import ApiError
from hfjobs_spec.localhub.cron import next_tick_ms, ticks_between_ms, validate_schedule

NS = "alice"


def _runs(api: HfApi, scheduled_id: str) -> list[datetime]:
    """Creation times of the scheduled job's runs, oldest first."""
    times = [
        job.created_at
        for job in api.list_jobs(namespace=NS)
        if job.initiator is not None and job.initiator.id == scheduled_id and job.created_at is not None
    ]
    return sorted(times)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("@hourly", datetime(2026, 1, 5, 13, tzinfo=UTC)),
        ("@daily", datetime(2026, 1, 6, tzinfo=UTC)),
        ("@weekly", datetime(2026, 1, 11, tzinfo=UTC)),  # Sunday midnight
        ("@monthly", datetime(2026, 2, 1, tzinfo=UTC)),
        ("@yearly", datetime(2027, 1, 1, tzinfo=UTC)),
        ("@annually", datetime(2027, 1, 1, tzinfo=UTC)),
        ("*/5 * * * *", datetime(2026, 1, 5, 12, 5, tzinfo=UTC)),
        ("0 9 * * MON-FRI", datetime(2026, 1, 6, 9, tzinfo=UTC)),
    ],
)
def test_next_run_times_are_utc(hf_api: HfApi, schedule: str, expected: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule=schedule, namespace=NS
    )
    assert scheduled.status.next_job_run_at == expected


def test_non_concurrent_skips_ticks_while_a_run_is_active(
    hf_api: HfApi, clock: Clock, start: datetime
) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12",
        command=["x"],
        schedule="*/5 * * * *",
        env={"LOCALHUB_RUN_SECONDS": "600"},
        namespace=NS,
    )  # each run lasts 5 s + 600 s, so it overlaps the next two ticks
    clock.advance(3600)
    minutes = [int((t - start).total_seconds() // 60) for t in _runs(hf_api, scheduled.id)]
    assert minutes == [5, 20, 35, 50]


def test_concurrent_runs_every_tick(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="*/5 * * * *", concurrency=True,
        env={"LOCALHUB_RUN_SECONDS": "600"}, namespace=NS,
    )  # fmt: skip
    clock.advance(3600)
    assert len(_runs(hf_api, scheduled.id)) == 12


def test_trigger_blocks_the_next_non_concurrent_tick(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12",
        command=["x"],
        schedule="*/5 * * * *",
        env={"LOCALHUB_RUN_SECONDS": "400"},
        namespace=NS,
    )
    clock.advance(60)
    hf_api.trigger_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)  # 12:01 until 12:07:45
    clock.advance(10 * 60)
    minutes = [int((t - start).total_seconds() // 60) for t in _runs(hf_api, scheduled.id)]
    assert minutes == [1, 10]  # 12:05 skipped


def test_deleted_scheduled_job_keeps_its_runs_and_stops(hf_api: HfApi, clock: Clock) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@hourly", namespace=NS
    )
    clock.advance(3600)
    hf_api.delete_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    clock.advance(5 * 3600)
    assert len(_runs(hf_api, scheduled.id)) == 1


def test_catch_up_is_capped_and_keeps_the_newest(
    hf_api: HfApi, clock: Clock, start: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler, "MAX_CATCH_UP_RUNS", 3)
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@hourly", concurrency=True, namespace=NS
    )
    clock.advance(10 * 3600)
    assert _runs(hf_api, scheduled.id) == [start + timedelta(hours=h) for h in (8, 9, 10)]
    status = hf_api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS).status
    assert status.last_job is not None and status.last_job.at == start + timedelta(hours=10)
    assert status.next_job_run_at == start + timedelta(hours=11)


def test_cron_run_lifecycle_starts_at_its_tick(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@hourly", namespace=NS
    )
    clock.advance(3600)  # exactly the tick: the run has just been created
    status = hf_api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS).status
    assert status.last_job is not None and status.last_job.at == start + timedelta(hours=1)
    assert hf_api.inspect_job(job_id=status.last_job.id, namespace=NS).status.stage == "SCHEDULING"
    clock.advance(10)
    run = hf_api.inspect_job(job_id=status.last_job.id, namespace=NS)
    assert run.status.stage == "RUNNING" and run.started_at == start + timedelta(hours=1, seconds=5)


def test_schedule_helpers() -> None:
    base = to_ms(datetime(2026, 1, 5, 12, tzinfo=UTC))
    assert next_tick_ms("0 * * * *", base) == base + 3600_000  # strictly after
    assert ticks_between_ms("0 * * * *", base, base + 3 * 3600_000, 10) == [
        base + 3600_000, base + 7200_000, base + 3 * 3600_000,
    ]  # fmt: skip
    assert ticks_between_ms("0 * * * *", base, base, 10) == []
    assert validate_schedule("@HOURLY") == "@HOURLY"
    with pytest.raises(ApiError):
        validate_schedule(5)
