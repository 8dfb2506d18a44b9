"""Contract tests for scheduled jobs through the real client; cron runs come from clock jumps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, JobNotFoundError

from hfjobs_spec.localhub import Clock, LocalHub

NS = "alice"


def _runs(api: HfApi, scheduled_id: str) -> list[str]:
    return [
        job.id
        for job in api.list_jobs(namespace=NS)
        if job.initiator is not None
        and job.initiator.type == "scheduled-job"
        and job.initiator.id == scheduled_id
    ]


def test_create_scheduled_job_returns_a_faithful_object(hf_api: HfApi, start: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12",
        command=["python", "nightly.py"],
        schedule="0 9 * * 1",
        env={"A": "1"},
        secrets={"TOKEN": "t0k"},
        flavor="t4-small",
        timeout=600,
        attempts=2,
        labels={"team": "eval"},
        name="nightly",
        expose=[8000],
        namespace=NS,
    )
    assert len(scheduled.id) == 24
    assert scheduled.created_at == start
    assert (scheduled.schedule, scheduled.suspend, scheduled.concurrency) == ("0 9 * * 1", False, False)
    assert scheduled.owner.name == "alice"
    spec = scheduled.job_spec
    assert spec.docker_image == "python:3.12" and spec.command == ["python", "nightly.py"]
    assert spec.environment == {"A": "1"} and list(spec.secrets or ()) == ["TOKEN"]
    assert (spec.flavor, spec.timeout, spec.retry) == ("t4-small", 600, 1)
    assert spec.labels == {"team": "eval", "name": "nightly"}
    assert spec.expose == [8000]
    assert scheduled.status.last_job is None
    # START is Monday 12:00, so the next Monday 09:00 is a week later minus three hours
    assert scheduled.status.next_job_run_at == start + timedelta(days=7, hours=-3)


def test_defaults_timeout_is_thirty_minutes(hf_api: HfApi) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["true"], schedule="@daily", namespace=NS
    )
    assert (scheduled.job_spec.timeout, scheduled.job_spec.retry) == (1800, 0)


def test_inspect_list_and_delete(hf_api: HfApi) -> None:
    first = hf_api.create_scheduled_job(
        image="python:3.12",
        command=["a"],
        schedule="@hourly",
        labels={"team": "a", "tier": "1"},
        namespace=NS,
    )
    second = hf_api.create_scheduled_job(
        image="python:3.12", command=["b"], schedule="@daily", labels={"team": "b", "tier": "1"}, namespace=NS
    )
    assert hf_api.inspect_scheduled_job(scheduled_job_id=first.id, namespace=NS).job_spec.command == ["a"]
    assert {s.id for s in hf_api.list_scheduled_jobs(namespace=NS)} == {first.id, second.id}
    assert [s.id for s in hf_api.list_scheduled_jobs(labels={"team": "b"}, namespace=NS)] == [second.id]
    assert [s.id for s in hf_api.list_scheduled_jobs(labels={"tier": "1", "team": "a"}, namespace=NS)] == [
        first.id
    ]
    assert hf_api.list_scheduled_jobs(namespace="acme") == []
    hf_api.delete_scheduled_job(scheduled_job_id=first.id, namespace=NS)
    assert [s.id for s in hf_api.list_scheduled_jobs(namespace=NS)] == [second.id]
    with pytest.raises(JobNotFoundError):
        hf_api.inspect_scheduled_job(scheduled_job_id=first.id, namespace=NS)


def test_cron_runs_copy_labels_and_name_their_initiator(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["tick"], schedule="*/10 * * * *", labels={"team": "eval"}, namespace=NS
    )
    clock.advance(25 * 60)  # ticks at 12:10 and 12:20
    runs = [hf_api.inspect_job(job_id=run_id, namespace=NS) for run_id in _runs(hf_api, scheduled.id)]
    assert [run.created_at for run in runs] == [start + timedelta(minutes=20), start + timedelta(minutes=10)]
    for run in runs:
        assert run.labels == scheduled.job_spec.labels
        assert run.command == ["tick"]
        assert run.initiator is not None and run.initiator.id == scheduled.id
    assert [run.status.stage for run in runs] == ["COMPLETED", "COMPLETED"]
    status = hf_api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS).status
    assert status.last_job is not None
    assert (status.last_job.id, status.last_job.at) == (runs[0].id, start + timedelta(minutes=20))
    assert status.next_job_run_at == start + timedelta(minutes=30)


def test_suspend_and_resume(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@hourly", namespace=NS
    )
    hf_api.suspend_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    suspended = hf_api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    assert suspended.suspend is True and suspended.status.next_job_run_at is None
    clock.advance(5 * 3600)
    assert _runs(hf_api, scheduled.id) == []
    hf_api.resume_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    resumed = hf_api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    assert resumed.suspend is False
    assert resumed.status.next_job_run_at == start + timedelta(hours=6)  # missed ticks are not replayed
    clock.advance(3600)
    assert len(_runs(hf_api, scheduled.id)) == 1


def test_create_suspended_with_concurrency(hf_api: HfApi) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@hourly", suspend=True, concurrency=True, namespace=NS
    )
    assert (scheduled.suspend, scheduled.concurrency) == (True, True)
    assert scheduled.status.next_job_run_at is None


def test_update_schedule_keeps_spec_labels_and_suspend(hf_api: HfApi, start: datetime) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@daily", labels={"k": "v"}, namespace=NS
    )
    moved = hf_api.update_scheduled_job_schedule(
        scheduled_job_id=scheduled.id, schedule="30 12 * * *", namespace=NS
    )
    assert moved.schedule == "30 12 * * *"
    assert moved.job_spec.labels == scheduled.job_spec.labels and moved.job_spec.command == ["x"]
    assert moved.status.next_job_run_at == start + timedelta(minutes=30)
    hf_api.suspend_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    again = hf_api.update_scheduled_job_schedule(
        scheduled_job_id=scheduled.id, schedule="@weekly", namespace=NS
    )
    assert again.suspend is True and again.status.next_job_run_at is None


def test_update_scheduled_job_labels_applies_to_future_runs(hf_api: HfApi, clock: Clock) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@hourly", labels={"old": "1"}, namespace=NS
    )
    updated = hf_api.update_scheduled_job_labels(
        scheduled_job_id=scheduled.id, labels={"new": "2"}, namespace=NS
    )
    assert updated.job_spec.labels == {"new": "2"}
    assert hf_api.list_scheduled_jobs(labels={"new": "2"}, namespace=NS)[0].id == scheduled.id
    clock.advance(3600)
    [run_id] = _runs(hf_api, scheduled.id)
    assert hf_api.inspect_job(job_id=run_id, namespace=NS).labels == {"new": "2"}


def test_trigger_runs_now_and_409s_while_active(hf_api: HfApi, clock: Clock) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@yearly", labels={"team": "t"}, namespace=NS
    )
    run = hf_api.trigger_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    assert run.created_at == clock.now() and run.status.stage == "SCHEDULING"
    assert run.initiator is not None and (run.initiator.type, run.initiator.id) == (
        "scheduled-job",
        scheduled.id,
    )
    assert run.labels == scheduled.job_spec.labels
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.trigger_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    assert excinfo.value.response.status_code == 409
    assert "concurrent" in str(excinfo.value)
    status = hf_api.inspect_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS).status
    assert status.last_job is not None and status.last_job.id == run.id
    clock.advance(3600)  # the run has finished: triggering works again
    assert hf_api.trigger_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS).id != run.id


def test_trigger_with_concurrency_overlaps(hf_api: HfApi) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@yearly", concurrency=True, namespace=NS
    )
    first = hf_api.trigger_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    second = hf_api.trigger_scheduled_job(scheduled_job_id=scheduled.id, namespace=NS)
    assert first.id != second.id


def test_org_scheduled_jobs(hf_api: HfApi, localhub: LocalHub) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@daily", namespace="acme"
    )
    assert scheduled.owner.type == "org"
    assert [s.id for s in hf_api.list_scheduled_jobs(namespace="acme")] == [scheduled.id]


@pytest.mark.filterwarnings("ignore:'HfApi.create_scheduled_uv_job' is experimental:UserWarning")
def test_create_scheduled_uv_job_with_url(hf_api: HfApi) -> None:
    scheduled = hf_api.create_scheduled_uv_job(
        "https://example.com/eval.py", schedule="@weekly", dependencies=["datasets"], namespace=NS
    )
    assert scheduled.job_spec.command == ["uv", "run", "--with", "datasets", "https://example.com/eval.py"]
