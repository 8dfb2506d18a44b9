"""The real adapter against localhub's faults: errors land in our tree, retries never duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx2
import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.errors import (
    HubAuthError,
    HubBadRequestError,
    HubConflictError,
    HubRateLimitError,
    HubTransportError,
)
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.model import JobRequest
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy
from hfjobs_spec.localhub import Clock, LocalHub

TOKEN = "hf_adapter_test_token"
CREATE = "POST /api/scheduled-jobs/{ns}"
RUN = "POST /api/jobs/{ns}"


@pytest.fixture(autouse=True)
def _our_http_client() -> None:
    install_http_client()  # as open_backend does; the suite restores the library's own afterwards


@pytest.fixture
def hub() -> Iterator[LocalHub]:
    with LocalHub(user="alice", token=TOKEN, clock=Clock.frozen_at(datetime(2026, 3, 1, tzinfo=UTC))) as running:
        yield running


def request(operation: str = "op-1", flavor: str = "cpu-basic") -> JobRequest:
    return JobRequest(image="python:3.12", command=("true",), env={}, secrets={}, flavor=flavor, timeout=60,
                      attempts=1, labels={L.OPERATION: operation, L.PROJECT: "p", "name": "x"})


def retrying(hub: LocalHub, sleeps: list[float]) -> RetryingBackend:
    return RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN), RetryPolicy(attempts=4), sleep=sleeps.append)


def test_wrong_token_is_an_auth_error(hub: LocalHub) -> None:
    with pytest.raises(HubAuthError, match="401"):
        HfApiBackend(endpoint=hub.url, token="hf_wrong").list_scheduled_jobs("alice", {})


def test_rejected_content_is_a_bad_request_with_the_hubs_message(hub: LocalHub) -> None:
    with pytest.raises(HubBadRequestError, match="flavor"):
        HfApiBackend(endpoint=hub.url, token=TOKEN).run_job("alice", request(flavor="a10g-huge"))


def test_cancel_of_a_finished_run_is_a_conflict(hub: LocalHub) -> None:
    backend = HfApiBackend(endpoint=hub.url, token=TOKEN)
    run = backend.run_job("alice", request())
    backend.cancel_job("alice", run.id)
    with pytest.raises(HubConflictError):
        backend.cancel_job("alice", run.id)


def test_rate_limited_create_waits_as_asked_then_creates_once(hub: LocalHub) -> None:
    hub.faults.add({"route": CREATE, "mode": "rate-limit", "retry_after": 3, "count": 2})
    sleeps: list[float] = []
    created = retrying(hub, sleeps).create_scheduled_job("alice", request(), schedule="@daily", suspend=False,
                                                        concurrency=False)
    assert sleeps == [3.0, 3.0]
    assert hub.counters()[CREATE] == 3
    assert [job.id for job in retrying(hub, []).list_scheduled_jobs("alice", {})] == [created.id]


def test_rate_limit_that_never_ends_gives_up_with_our_error(hub: LocalHub) -> None:
    hub.faults.add({"route": CREATE, "mode": "rate-limit", "retry_after": 1})
    with pytest.raises(HubRateLimitError):
        retrying(hub, []).create_scheduled_job("alice", request(), schedule="@daily", suspend=False,
                                               concurrency=False)
    assert hub.counters()[CREATE] == 4


@pytest.mark.parametrize("mode", ["commit-then-fail", "commit-then-drop"])
def test_create_whose_answer_is_lost_is_found_not_repeated(hub: LocalHub, mode: str) -> None:
    hub.faults.add({"route": RUN, "mode": mode, "count": 1})
    run = retrying(hub, []).run_job("alice", request("op-lost"))
    runs = list(HfApiBackend(endpoint=hub.url, token=TOKEN).list_jobs("alice", {}))
    assert [r.id for r in runs] == [run.id]
    assert hub.counters()[RUN] == 1  # the second attempt found the first instead of posting again


@pytest.mark.parametrize("mode", ["error", "drop"])
def test_create_that_failed_before_the_write_is_made_once_on_retry(hub: LocalHub, mode: str) -> None:
    hub.faults.add({"route": CREATE, "mode": mode, "status": 503, "count": 1})
    retrying(hub, []).create_scheduled_job("alice", request("op-x"), schedule="@daily", suspend=False,
                                           concurrency=False)
    assert len(HfApiBackend(endpoint=hub.url, token=TOKEN).list_scheduled_jobs("alice", {})) == 1
    assert hub.counters()[CREATE] == 2


def test_a_slow_hub_times_out_as_an_ambiguous_transport_error(hub: LocalHub) -> None:
    hub.faults.add({"route": RUN, "mode": "latency", "ms": 1500})
    install_http_client(httpx2.Timeout(0.3))  # the suite puts the library's own client back afterwards
    backend = HfApiBackend(endpoint=hub.url, token=TOKEN)
    with pytest.raises(HubTransportError) as caught:
        backend.run_job("alice", request())
    assert caught.value.ambiguous and "timed out" in str(caught.value)


def test_nobody_listening_is_a_plain_transport_error(hub: LocalHub) -> None:
    url = hub.url
    hub.stop()
    with pytest.raises(HubTransportError) as caught:
        HfApiBackend(endpoint=url, token=TOKEN).whoami()
    assert not caught.value.ambiguous
