"""Fault injection and request counters, from Python and over the admin routes."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from hfjobs_spec.localhub import Clock, FaultInjector, FaultRule, LocalHub
from hfjobs_spec.localhub.faults import PAYMENT_REQUIRED_MESSAGE

NS = "alice"
CREATE = "POST /api/jobs/{ns}"
INSPECT = "GET /api/jobs/{ns}/{id}"


def _admin(hub: LocalHub, method: str, name: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{hub.url}/_localhub/{name}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def _job_count(api: HfApi) -> int:
    return len(list(api.list_jobs(namespace=NS)))


def test_commit_then_fail_performs_the_write(localhub: LocalHub, hf_api: HfApi) -> None:
    localhub.faults.add({"route": CREATE, "mode": "commit-then-fail", "count": 1})
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    assert excinfo.value.response.status_code == 500
    assert _job_count(hf_api) == 1  # the ambiguous case: it failed, yet the job exists
    hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)  # the rule is spent
    assert _job_count(hf_api) == 2
    assert localhub.faults.snapshot()["rules"][0]["remaining"] == 0


def test_error_fails_without_writing(localhub: LocalHub, hf_api: HfApi) -> None:
    localhub.faults.add(FaultRule(route=CREATE, mode="error", status=503, count=2))
    for _ in range(2):
        with pytest.raises(HfHubHTTPError) as excinfo:
            hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
        assert excinfo.value.response.status_code == 503
    assert _job_count(hf_api) == 0
    assert localhub.counters()[CREATE] == 2  # faulted requests are counted


def test_drop_closes_without_response_and_without_writing(localhub: LocalHub, hf_api: HfApi) -> None:
    localhub.faults.add({"route": CREATE, "mode": "drop", "count": 1})
    with pytest.raises(httpx2.TransportError):
        hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    assert _job_count(hf_api) == 0


def test_commit_then_drop_writes_then_hangs_up(localhub: LocalHub, hf_api: HfApi) -> None:
    localhub.faults.add({"route": CREATE, "mode": "commit-then-drop", "count": 1})
    with pytest.raises(httpx2.TransportError):
        hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    assert _job_count(hf_api) == 1


HUB_RATELIMIT = '"api";r=0;t=7'
HUB_POLICY = '"fixed window";"api";q=500;w=300'


def _rate_limited(localhub: LocalHub, hf_api: HfApi, **rule: Any) -> HfHubHTTPError:
    """The error `inspect_job` raises under a one-off rate-limit rule with `rule`'s fields."""
    localhub.faults.add({"route": INSPECT, "mode": "rate-limit", "retry_after": 7, "count": 1, **rule})
    job = hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert excinfo.value.response is not None and excinfo.value.response.status_code == 429
    assert hf_api.inspect_job(job_id=job.id, namespace=NS).id == job.id  # nothing else is affected
    return excinfo.value


def test_rate_limit_sends_both_forms_by_default(localhub: LocalHub, hf_api: HfApi) -> None:
    headers = _rate_limited(localhub, hf_api).response.headers
    assert (headers["Retry-After"], headers["RateLimit"], headers["RateLimit-Policy"]) == (
        "7",
        HUB_RATELIMIT,
        HUB_POLICY,
    )


def test_rate_limit_with_the_hubs_headers_only(localhub: LocalHub, hf_api: HfApi) -> None:
    error = _rate_limited(localhub, hf_api, headers="ratelimit")
    headers = error.response.headers
    assert "Retry-After" not in headers
    assert (headers["RateLimit"], headers["RateLimit-Policy"]) == (HUB_RATELIMIT, HUB_POLICY)
    # The client reads the pair the way it reads the Hub's.
    assert "Retry after 7 seconds (0/500 requests remaining in current 300s window)" in str(error)


def test_rate_limit_with_retry_after_only(localhub: LocalHub, hf_api: HfApi) -> None:
    error = _rate_limited(localhub, hf_api, headers="retry-after")
    headers = error.response.headers
    assert headers["Retry-After"] == "7"
    assert "RateLimit" not in headers and "RateLimit-Policy" not in headers
    assert "Retry after" not in str(error)  # without the pair the client cannot tell when to come back


@pytest.mark.parametrize("headers", ["both", "ratelimit", "retry-after"])
def test_list_jobs_retries_through_a_429(localhub: LocalHub, hf_api: HfApi, headers: str) -> None:
    hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    localhub.faults.add(
        {"route": "GET /api/jobs/{ns}", "mode": "rate-limit", "retry_after": 0, "headers": headers, "count": 1}
    )
    localhub.reset_counters()
    assert _job_count(hf_api) == 1  # the client waited for the reset (+ 1 s) and tried again
    assert localhub.counters() == {"GET /api/jobs/{ns}": 2}


def test_payment_required_is_the_hubs_402_and_writes_nothing(localhub: LocalHub, hf_api: HfApi) -> None:
    localhub.faults.add({"route": CREATE, "mode": "payment-required", "count": 1})
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    assert excinfo.value.response.status_code == 402
    assert excinfo.value.server_message == PAYMENT_REQUIRED_MESSAGE
    assert PAYMENT_REQUIRED_MESSAGE == (
        "Pre-paid credit balance is insufficient - add more credits to your account to use Jobs."
    )
    assert excinfo.value.response.headers["X-Error-Message"] == PAYMENT_REQUIRED_MESSAGE
    assert excinfo.value.response.json() == {"error": PAYMENT_REQUIRED_MESSAGE}
    assert _job_count(hf_api) == 0


def test_list_jobs_does_not_retry_a_402(localhub: LocalHub, hf_api: HfApi) -> None:
    localhub.faults.add({"route": "GET /api/jobs/{ns}", "mode": "payment-required", "count": 1})
    with pytest.raises(HfHubHTTPError) as excinfo:
        list(hf_api.list_jobs(namespace=NS))
    assert excinfo.value.response.status_code == 402
    assert localhub.counters() == {"GET /api/jobs/{ns}": 1}


def test_forbidden_is_a_403_even_on_a_job_path(localhub: LocalHub, hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    localhub.faults.add({"route": "POST /api/jobs/{ns}/{id}/cancel", "mode": "forbidden", "count": 1})
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.cancel_job(job_id=job.id, namespace=NS)
    assert excinfo.value.response.status_code == 403
    assert excinfo.value.server_message == "localhub: injected forbidden: this token may not do that in this namespace"
    assert hf_api.inspect_job(job_id=job.id, namespace=NS).status.stage == "SCHEDULING"  # not canceled


def test_a_rule_can_carry_its_own_message(localhub: LocalHub, hf_api: HfApi) -> None:
    localhub.faults.add({"route": CREATE, "mode": "forbidden", "message": "Jobs are for PRO users", "count": 1})
    localhub.faults.add({"route": CREATE, "mode": "error", "status": 502, "message": "bad gateway", "count": 1})
    for status, message in [(403, "Jobs are for PRO users"), (502, "bad gateway")]:
        with pytest.raises(HfHubHTTPError) as excinfo:
            hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
        assert (excinfo.value.response.status_code, excinfo.value.server_message) == (status, message)


def test_fixed_latency(localhub: LocalHub, hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    localhub.faults.add({"route": INSPECT, "mode": "latency", "ms": 150})
    began = time.monotonic()
    hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert time.monotonic() - began >= 0.15


def test_catch_all_and_method_patterns() -> None:
    assert FaultRule(route="*").matches("GET /api/whoami-v2")
    assert FaultRule(route="POST *").matches(CREATE) and not FaultRule(route="POST *").matches(INSPECT)
    assert FaultRule(route="/api/jobs/{ns}").matches("GET /api/jobs/{ns}")
    assert FaultRule(route="* /api/jobs/{ns}").matches(CREATE)
    assert not FaultRule(route=CREATE).matches("GET /api/jobs/{ns}")


def test_random_faults_are_reproducible_with_a_seed() -> None:
    def draws(seed: int) -> list[tuple[float, str | None]]:
        faults = FaultInjector(
            [{"mode": "latency", "ms": 1, "jitter_ms": 50}, {"mode": "error", "status": 502, "rate": 0.3}],
            seed=seed,
        )
        return [(d.delay_seconds, d.action) for d in (faults.decide(INSPECT) for _ in range(200))]

    first, again, other = draws(7), draws(7), draws(8)
    assert first == again and first != other
    errors = sum(action == "error" for _, action in first)
    assert 30 < errors < 90  # about 30 %
    assert all(0.001 <= delay <= 0.051 for delay, _ in first)


def test_first_matching_failure_wins_and_latency_adds_up() -> None:
    faults = FaultInjector(
        [
            {"mode": "latency", "ms": 10},
            {"route": INSPECT, "mode": "latency", "ms": 5},
            {"route": INSPECT, "mode": "rate-limit", "count": 1},
            {"mode": "error", "status": 503},
        ]
    )
    first = faults.decide(INSPECT)
    assert (round(first.delay_seconds, 3), first.action) == (0.015, "rate-limit")
    second = faults.decide(INSPECT)
    assert (second.action, second.status) == ("error", 503)


@pytest.mark.parametrize(
    "rule",
    [
        {"mode": "explode"},
        {"mode": "error", "status": 404},
        {"mode": "error", "rate": 2},
        {"mode": "drop", "count": -1},
        {"mode": "latency", "ms": -5},
        {"mode": "drop", "colour": "red"},
        {"route": "", "mode": "drop"},
        {"mode": "rate-limit", "headers": "x-ratelimit"},
        {"mode": "rate-limit", "retry_after": 301},  # longer than the Hub's five-minute window
        {"mode": "rate-limit", "headers": "ratelimit", "retry_after": 600},
        {"mode": "forbidden", "message": ""},
        {"mode": "payment-required", "message": 402},
    ],
)
def test_bad_rules_are_rejected(rule: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FaultRule.from_dict(rule)


def test_a_long_wait_needs_retry_after_alone() -> None:
    rule = FaultRule.from_dict({"mode": "rate-limit", "headers": "retry-after", "retry_after": 3600})
    assert FaultRule.from_dict(rule.to_dict()) == rule


def test_faults_given_at_start(make_hub: Any, token: str) -> None:
    hub = make_hub(faults=[{"route": "GET /api/whoami-v2", "mode": "error", "status": 502}])
    with pytest.raises(HfHubHTTPError) as excinfo:
        HfApi(endpoint=hub.url, token=token).whoami()
    assert excinfo.value.response.status_code == 502


# Admin routes ------------------------------------------------------------------------------------


def test_admin_faults_round_trip(localhub: LocalHub, hf_api: HfApi) -> None:
    status, config = _admin(
        localhub, "POST", "faults", {"seed": 3, "rules": [{"route": CREATE, "mode": "drop"}]}
    )
    assert status == 200 and config["seed"] == 3 and config["rules"][0]["mode"] == "drop"
    status, config = _admin(
        localhub, "POST", "faults", {"append": True, "rules": [{"mode": "latency", "ms": 1}]}
    )
    assert [rule["mode"] for rule in config["rules"]] == ["drop", "latency"]
    assert _admin(localhub, "GET", "faults")[1] == config
    with pytest.raises(httpx2.TransportError):
        hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    assert _admin(localhub, "DELETE", "faults")[1]["rules"] == []
    hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    status, error = _admin(localhub, "POST", "faults", {"rules": [{"mode": "nope"}]})
    assert status == 400 and "fault mode" in error["error"]


def test_admin_counters_and_reset(localhub: LocalHub, hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    hf_api.inspect_job(job_id=job.id, namespace=NS)
    hf_api.inspect_job(job_id=job.id, namespace=NS)
    _admin(localhub, "GET", "health")  # admin routes are never counted
    assert _admin(localhub, "GET", "counters")[1] == {CREATE: 1, INSPECT: 2}
    assert _admin(localhub, "POST", "counters/reset")[1] == {CREATE: 1, INSPECT: 2}
    assert _admin(localhub, "GET", "counters")[1] == {}
    assert localhub.counters() == {}


def test_admin_clock(localhub: LocalHub, hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["x"], namespace=NS)
    status, state = _admin(localhub, "POST", "clock", {"advance": 3600})
    assert status == 200 and state == {"now": "2026-01-05T13:00:00.000Z", "frozen": True}
    assert hf_api.inspect_job(job_id=job.id, namespace=NS).status.stage == "COMPLETED"
    _, state = _admin(localhub, "POST", "clock", {"now": "2026-01-05T12:00:06Z"})
    assert state["now"] == "2026-01-05T12:00:06.000Z"
    assert hf_api.inspect_job(job_id=job.id, namespace=NS).status.stage == "RUNNING"
    assert _admin(localhub, "GET", "clock")[1]["now"] == "2026-01-05T12:00:06.000Z"
    assert _admin(localhub, "POST", "clock", {"advance": "soon"})[0] == 400
    assert _admin(localhub, "POST", "clock", {"now": "yesterday"})[0] == 400
    assert _admin(localhub, "POST", "clock", {})[0] == 400
    assert _admin(localhub, "GET", "nothing-here")[0] == 404


def test_admin_routes_ignore_faults(localhub: LocalHub) -> None:
    localhub.faults.add({"mode": "error", "status": 500})
    assert _admin(localhub, "GET", "health")[0] == 200
