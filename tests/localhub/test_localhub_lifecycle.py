"""Run lifecycle: stages, timeouts, failures, retries and cancellation, driven by clock jumps."""

from __future__ import annotations

from datetime import datetime, timedelta

from huggingface_hub import HfApi

from hfjobs_spec.localhub import Clock, LocalHub

NS = "alice"


def _stage(api: HfApi, job_id: str) -> str:
    return str(api.inspect_job(job_id=job_id, namespace=NS).status.stage)


def test_default_durations_are_configurable(make_hub: object, clock: Clock, token: str) -> None:
    hub: LocalHub = make_hub(scheduling_seconds=2, run_seconds=3)  # type: ignore[operator]
    api = HfApi(endpoint=hub.url, token=token)
    job = api.run_job(image="python:3.12", command=["true"], namespace=NS)
    timeline = []
    for _ in range(6):
        timeline.append(_stage(api, job.id))
        clock.advance(1)
    assert timeline == ["SCHEDULING", "SCHEDULING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"]


def test_outcome_error(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    job = hf_api.run_job(
        image="python:3.12", command=["false"], env={"LOCALHUB_OUTCOME": "error"}, namespace=NS
    )
    clock.advance(3600)
    failed = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert failed.status.stage == "ERROR"
    assert failed.status.message == "Job failed with exit code 1"
    assert failed.finished_at == start + timedelta(seconds=35)


def test_failing_run_is_retried_in_place(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(
        image="python:3.12",
        command=["false"],
        attempts=3,
        env={"LOCALHUB_OUTCOME": "error", "LOCALHUB_RUN_SECONDS": "10", "LOCALHUB_SCHEDULING_SECONDS": "0"},
        namespace=NS,
    )
    clock.advance(29)
    assert _stage(hf_api, job.id) == "RUNNING"  # attempts 1 and 2 failed, 3 is running
    clock.advance(1)
    failed = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert failed.status.stage == "ERROR" and failed.status.message is not None
    assert "after 3 attempts" in failed.status.message


def test_timeout_ends_a_long_run_in_error(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(
        image="python:3.12", command=["sleep", "inf"], env={"LOCALHUB_RUN_SECONDS": "100000"}, timeout="2m",
        namespace=NS,
    )  # fmt: skip
    clock.advance(5 + 119)
    assert _stage(hf_api, job.id) == "RUNNING"
    clock.advance(1)
    timed_out = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert timed_out.status.stage == "ERROR"
    assert timed_out.status.message == "Job timed out after 120 seconds"
    assert timed_out.durations is not None and timed_out.durations.running_secs == 120


def test_default_timeout_is_thirty_minutes(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(
        image="python:3.12", command=["x"], env={"LOCALHUB_RUN_SECONDS": "7200"}, namespace=NS
    )
    clock.advance(5 + 1800)
    timed_out = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert (timed_out.status.stage, timed_out.status.message) == ("ERROR", "Job timed out after 1800 seconds")


def test_cancel_while_scheduling_never_starts(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    clock.advance(1)
    hf_api.cancel_job(job_id=job.id, namespace=NS)
    clock.advance(100)
    canceled = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert canceled.status.stage == "CANCELED" and canceled.started_at is None
    assert canceled.durations is not None
    assert (canceled.durations.running_secs, canceled.durations.total_secs) == (None, 1)
    assert list(hf_api.fetch_job_logs(job_id=job.id, namespace=NS)) == []


def test_canceled_run_logs_stop_at_cancel(hf_api: HfApi, clock: Clock) -> None:
    lines = "\n".join(f"line {n}" for n in range(10))
    job = hf_api.run_job(image="python:3.12", command=["x"], env={"LOCALHUB_LOGS": lines}, namespace=NS)
    clock.advance(5 + 2)
    hf_api.cancel_job(job_id=job.id, namespace=NS)
    clock.advance(100)
    assert list(hf_api.fetch_job_logs(job_id=job.id, namespace=NS)) == ["line 0", "line 1", "line 2"]


def test_clock_can_go_back(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    job = hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    clock.advance(3600)
    assert _stage(hf_api, job.id) == "COMPLETED"
    clock.set(start + timedelta(seconds=6))
    assert _stage(hf_api, job.id) == "RUNNING"


def test_real_time_clock_by_default(make_hub: object, token: str) -> None:
    hub: LocalHub = make_hub(clock=Clock())  # type: ignore[operator]
    api = HfApi(endpoint=hub.url, token=token)
    job = api.run_job(image="python:3.12", command=["x"], namespace=NS)
    assert job.status.stage == "SCHEDULING"
    hub.clock.advance(40)  # a running clock moves too
    assert _stage(api, job.id) == "COMPLETED"


def test_follow_streams_live_until_the_run_ends(make_hub: object, token: str) -> None:
    # A running clock holds the log stream open while the run is active (as the Hub does), so a
    # follower sees every line, the last ones included. The test moves time instead of waiting.
    hub: LocalHub = make_hub(clock=Clock(), scheduling_seconds=0)  # type: ignore[operator]
    api = HfApi(endpoint=hub.url, token=token)
    job = api.run_job(
        image="python:3.12", command=["x"], env={"LOCALHUB_LOGS": "a\nb\nc", "LOCALHUB_RUN_SECONDS": "1000"},
        namespace=NS,
    )  # fmt: skip
    seen = []
    for line in api.fetch_job_logs(job_id=job.id, namespace=NS, follow=True):
        seen.append(line)
        if line == "a":
            hub.clock.advance(2000)  # while the stream is open: the run completes
    assert seen == ["a", "b", "c", "[localhub] job finished successfully"]
    assert hub.counters()["GET /api/jobs/{ns}/{id}/logs"] == 1  # one connection, no reconnects
