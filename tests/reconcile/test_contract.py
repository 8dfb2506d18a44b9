"""The port contract, run against the fake and against localhub through the real client: they must agree."""

from __future__ import annotations

import pytest

from hfjobs_spec.errors import HubAuthError, HubConflictError, HubNotFoundError
from hfjobs_spec.hub.model import JobRequest, SecretValue
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.model import VolumeSpec

from .conftest import TOKEN


def request(**labels: str) -> JobRequest:
    return JobRequest(
        image="python:3.12", command=("python", "-c", "print(1)"), env={"A": "1"},
        secrets={"KEY": SecretValue("v4lue")}, flavor="cpu-upgrade", timeout=600, attempts=2,
        labels={"name": "job", **labels}, volumes=(VolumeSpec("dataset", "org/ds", "/data", "main", True),),
        expose=(8000,), expose_public=(9000,),
    )


def test_whoami_and_token(backend: HubBackend) -> None:
    assert backend.whoami() == "alice"
    assert backend.token() == TOKEN


def test_scheduled_job_round_trip(backend: HubBackend) -> None:
    created = backend.create_scheduled_job("alice", request(team="ml"), schedule="0 3 * * *", suspend=True,
                                           concurrency=False)
    assert len(created.id) == 24 and created.namespace == "alice"
    (listed,) = backend.list_scheduled_jobs("alice", {"team": "ml"})
    assert listed.id == created.id
    assert (listed.schedule, listed.suspend, listed.concurrency) == ("0 3 * * *", True, False)
    spec = listed.spec
    assert (spec.image, spec.command, spec.flavor, spec.timeout, spec.attempts) == (
        "python:3.12", ("python", "-c", "print(1)"), "cpu-upgrade", 600, 2)
    assert spec.env == {"A": "1"} and spec.secret_names == ("KEY",)
    assert spec.labels == {"name": "job", "team": "ml"}
    assert spec.volumes[0].mount_path == "/data" and spec.volumes[0].source == "org/ds"
    assert (spec.expose, spec.expose_public) == ((8000,), (9000,))
    assert backend.list_scheduled_jobs("alice", {"team": "other"}) == []
    assert backend.list_scheduled_jobs("acme", {"team": "ml"}) == []


def test_scheduled_job_in_place_changes(backend: HubBackend) -> None:
    job = backend.create_scheduled_job("acme", request(), schedule="@daily", suspend=False, concurrency=True)
    backend.reschedule("acme", job.id, "*/5 * * * *")
    backend.suspend_scheduled_job("acme", job.id)
    backend.set_scheduled_job_labels("acme", job.id, {"only": "this"})
    (after,) = backend.list_scheduled_jobs("acme", {})
    assert (after.schedule, after.suspend, after.concurrency) == ("*/5 * * * *", True, True)
    assert after.labels == {"only": "this"}
    backend.resume_scheduled_job("acme", job.id)
    assert backend.list_scheduled_jobs("acme", {})[0].suspend is False
    backend.delete_scheduled_job("acme", job.id)
    assert backend.list_scheduled_jobs("acme", {}) == []
    with pytest.raises(HubNotFoundError):
        backend.delete_scheduled_job("acme", job.id)


def test_runs_round_trip_filter_cancel_relabel(backend: HubBackend) -> None:
    first = backend.run_job("alice", request(kind="a"))
    second = backend.run_job("alice", request(kind="b"))
    assert first.stage == "SCHEDULING" and first.active and first.initiator_type == "user"
    assert {run.id for run in backend.list_jobs("alice", {})} == {first.id, second.id}
    assert [run.id for run in backend.list_jobs("alice", {"kind": "b", "name": "job"})] == [second.id]
    backend.set_job_labels("alice", first.id, {"kind": "c"})
    assert backend.inspect_job("alice", first.id).labels == {"kind": "c"}
    backend.cancel_job("alice", first.id)
    assert backend.inspect_job("alice", first.id).stage == "CANCELED"
    with pytest.raises(HubNotFoundError):
        backend.inspect_job("alice", "0" * 24)


def test_many_runs_list_completely(backend: HubBackend) -> None:
    ids = {backend.run_job("acme", request(batch="x")).id for _ in range(23)}
    assert {run.id for run in backend.list_jobs("acme", {"batch": "x"})} == ids


def test_foreign_namespace_is_refused(backend: HubBackend) -> None:
    with pytest.raises(HubAuthError):
        backend.list_scheduled_jobs("somebody-else", {})


def test_trigger_runs_the_scheduled_spec_now_and_refuses_an_overlap(backend: HubBackend) -> None:
    job = backend.create_scheduled_job("alice", request(team="ml"), schedule="0 3 * * *", suspend=False,
                                       concurrency=False)
    run = backend.trigger_scheduled_job("alice", job.id)
    assert (run.initiator_type, run.initiator_id, run.stage) == ("scheduled-job", job.id, "SCHEDULING")
    assert run.labels == {"name": "job", "team": "ml"} and run.spec.image == "python:3.12"
    assert backend.inspect_job("alice", run.id).id == run.id
    with pytest.raises(HubConflictError):
        backend.trigger_scheduled_job("alice", job.id)
    with pytest.raises(HubNotFoundError):
        backend.trigger_scheduled_job("alice", "0" * 24)


def test_logs_of_a_run_that_has_not_started_are_empty_and_of_no_run_not_found(backend: HubBackend) -> None:
    run = backend.run_job("alice", request())
    assert backend.job_logs("alice", run.id) == []
    assert backend.job_logs("alice", run.id, tail=5) == []
    with pytest.raises(HubNotFoundError):
        backend.job_logs("alice", "0" * 24)
