"""Error paths through the real client: 401, 403, 404, 400 messages, 409, 501."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from huggingface_hub import HfApi, JobStage, Volume
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, JobNotFoundError

from hfjobs_spec.localhub import Clock, LocalHub

NS = "alice"
MISSING = "0123456789abcdef01234567"


def _raw(
    hub: LocalHub, method: str, path: str, body: Any = None, token: str | None = "tok"
) -> tuple[int, Any, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(hub.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null"), error.headers


# Auth and namespaces ------------------------------------------------------------------------------


def test_fixed_token_rejects_others(make_hub: Any) -> None:
    hub = make_hub(token="the-one")
    assert HfApi(endpoint=hub.url, token="the-one").whoami()["name"] == "alice"
    with pytest.raises(HfHubHTTPError, match="Invalid user token") as excinfo:
        HfApi(endpoint=hub.url, token="another").whoami()
    assert excinfo.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as excinfo:
        HfApi(endpoint=hub.url, token="another").run_job(image="python:3.12", command=["true"], namespace=NS)
    assert excinfo.value.response.status_code == 401


def test_missing_token_is_401_on_every_jobs_route(localhub: LocalHub) -> None:
    for method, path in [
        ("GET", "/api/whoami-v2"),
        ("GET", "/api/jobs/hardware"),
        ("GET", f"/api/jobs/{NS}"),
        ("GET", f"/api/jobs/{NS}/{MISSING}"),
        ("GET", f"/api/scheduled-jobs/{NS}"),
        ("POST", f"/api/scheduled-jobs/{NS}/{MISSING}/run"),
    ]:
        status, body, headers = _raw(localhub, method, path, token=None)
        assert status == 401, path
        assert "Authorization" in body["error"] and headers["X-Error-Message"] == body["error"]
    assert _raw(localhub, "GET", f"/api/jobs/{NS}", token="")[0] == 401


def test_token_false_sends_no_header(hf_api: HfApi) -> None:
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.list_jobs_hardware(token=False)
    assert excinfo.value.response.status_code == 401


def test_foreign_namespace_is_403(hf_api: HfApi) -> None:
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.run_job(image="python:3.12", command=["true"], namespace="bob")
    assert excinfo.value.response.status_code == 403
    assert "bob" in str(excinfo.value)
    with pytest.raises(HfHubHTTPError) as excinfo:
        list(hf_api.list_jobs(namespace="bob"))
    assert excinfo.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.list_scheduled_jobs(namespace="bob")
    assert excinfo.value.response.status_code == 403


# 404 ---------------------------------------------------------------------------------------------


def test_unknown_ids_raise_job_not_found(hf_api: HfApi) -> None:
    calls: list[Callable[[], object]] = [
        lambda: hf_api.inspect_job(job_id=MISSING, namespace=NS),
        lambda: hf_api.cancel_job(job_id=MISSING, namespace=NS),
        lambda: hf_api.rerun_job(job_id=MISSING, namespace=NS),
        lambda: hf_api.update_job_labels(job_id=MISSING, labels={}, namespace=NS),
        lambda: hf_api.update_job_expose(job_id=MISSING, namespace=NS),
        lambda: list(hf_api.fetch_job_logs(job_id=MISSING, namespace=NS)),
        lambda: list(hf_api.fetch_job_metrics(job_id=MISSING, namespace=NS)),
        lambda: hf_api.inspect_scheduled_job(scheduled_job_id=MISSING, namespace=NS),
        lambda: hf_api.delete_scheduled_job(scheduled_job_id=MISSING, namespace=NS),
        lambda: hf_api.suspend_scheduled_job(scheduled_job_id=MISSING, namespace=NS),
        lambda: hf_api.resume_scheduled_job(scheduled_job_id=MISSING, namespace=NS),
        lambda: hf_api.update_scheduled_job_schedule(
            scheduled_job_id=MISSING, schedule="@daily", namespace=NS
        ),
        lambda: hf_api.update_scheduled_job_labels(scheduled_job_id=MISSING, labels={}, namespace=NS),
        lambda: hf_api.trigger_scheduled_job(scheduled_job_id=MISSING, namespace=NS),
    ]
    for call in calls:
        with pytest.raises(JobNotFoundError) as excinfo:
            call()
        assert excinfo.value.job_id == MISSING


def test_job_of_another_namespace_is_not_found(hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], namespace="acme")
    with pytest.raises(JobNotFoundError):
        hf_api.inspect_job(job_id=job.id, namespace=NS)


def test_trailing_slash_endpoint_is_a_clear_404(localhub: LocalHub, token: str) -> None:
    api = HfApi(endpoint=localhub.url + "/", token=token)
    with pytest.raises(HfHubHTTPError, match="must not end with '/'"):
        api.list_jobs_hardware()


# 400 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"flavor": "a10g-huge"}, "did you mean 'a10g-large'"),
        ({"labels": {"bad key": "v"}}, "invalid label key"),
        ({"labels": {"k": "x" * 101}}, "invalid value for label"),
        ({"labels": {"k": "a.b"}}, "invalid value for label"),
        ({"timeout": "0.5s"}, "timeoutSeconds must be a positive"),
        ({"timeout": -5}, "timeoutSeconds must be a positive"),
        ({"attempts": 0}, "attempts must be at least 1"),
        ({"volumes": [Volume(type="dataset", source="org/ds", mount_path="data")]}, "mountPath"),
        (
            {"volumes": [Volume(type="bucket", source="org/b", mount_path="/b", revision="v1")]},
            "no revisions",
        ),
        ({"volumes": [Volume(type="model", source="nope", mount_path="/m")]}, "namespace/name"),
        (
            {"volumes": [Volume(source="o/a", mount_path="/m"), Volume(source="o/b", mount_path="/m")]},
            "same mountPath",
        ),
        ({"network_group": "Not_Valid"}, "network.group"),
        ({"network_group": "g", "network_aliases": ["a", "a"]}, "unique"),
        ({"network_group": "x" * 47}, "network.group"),
        ({"env": {"1BAD": "x"}}, "invalid variable name"),
        ({"env": {"LOCALHUB_OUTCOME": "maybe"}}, "LOCALHUB_OUTCOME"),
    ],
)
def test_run_job_validation(hf_api: HfApi, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequestError, match=message) as excinfo:
        hf_api.run_job(image="python:3.12", command=["true"], namespace=NS, **kwargs)
    assert excinfo.value.response.status_code == 400
    assert excinfo.value.response.headers["X-Error-Message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"command": ["true"]}, "dockerImage or spaceId"),
        ({"command": ["true"], "dockerImage": "a", "spaceId": "b/c"}, "dockerImage or spaceId"),
        ({"dockerImage": "python:3.12"}, "command is required"),
        ({"dockerImage": "python:3.12", "command": "true"}, "command must be a list"),
        (
            {"dockerImage": "python:3.12", "command": [], "expose": {"ports": [80], "portsPublic": [81]}},
            "subset",
        ),
        ({"dockerImage": "python:3.12", "command": [], "expose": {"ports": [70000]}}, "between 1 and 65535"),
        ({"dockerImage": "python:3.12", "command": [], "timeoutSeconds": 0}, "positive"),
        ({"dockerImage": "python:3.12", "command": [], "flavour": "cpu-basic"}, "unknown field"),
        ({"dockerImage": "python:3.12", "command": [], "secrets": {"A": 1}}, "must be a string"),
        ({"dockerImage": "python:3.12", "command": [], "arch": "x86_64"}, "arch must be one of amd64, arm64"),
        ({"dockerImage": "python:3.12", "command": [], "arch": None}, "arch must be one of"),
    ],
)
def test_raw_job_spec_validation(localhub: LocalHub, body: dict[str, Any], message: str) -> None:
    status, payload, headers = _raw(localhub, "POST", f"/api/jobs/{NS}", body)
    assert status == 400
    assert message in payload["error"] and headers["X-Error-Message"] == payload["error"]


def test_non_json_body_is_400(localhub: LocalHub) -> None:
    request = urllib.request.Request(
        f"{localhub.url}/api/jobs/{NS}", data=b"{nope", method="POST", headers={"Authorization": "Bearer t"}
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)
    excinfo.value.close()
    assert excinfo.value.code == 400


@pytest.mark.parametrize(
    "schedule",
    ["* * * *", "* * * * * *", "@reboot", "@midnight", "61 * * * *", "0 0 L * *", "0 0 * * 1#2", ""],
)
def test_bad_schedules_are_400(hf_api: HfApi, schedule: str) -> None:
    with pytest.raises(BadRequestError, match="schedule"):
        hf_api.create_scheduled_job(image="python:3.12", command=["true"], schedule=schedule, namespace=NS)


def test_bad_reschedule_is_400(hf_api: HfApi) -> None:
    scheduled = hf_api.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@daily", namespace=NS
    )
    with pytest.raises(BadRequestError, match="has 2 fields; cron has 5"):
        hf_api.update_scheduled_job_schedule(
            scheduled_job_id=scheduled.id, schedule="every day", namespace=NS
        )
    with pytest.raises(BadRequestError, match="label"):
        hf_api.update_scheduled_job_labels(scheduled_job_id=scheduled.id, labels={"a/b": "c"}, namespace=NS)


def test_scheduled_jobs_refuse_ssh_and_network(localhub: LocalHub) -> None:
    spec = {"dockerImage": "python:3.12", "command": [], "ssh": {"enabled": True}}
    status, payload, _ = _raw(
        localhub, "POST", f"/api/scheduled-jobs/{NS}", {"jobSpec": spec, "schedule": "@daily"}
    )
    assert status == 400 and "not available for scheduled jobs" in payload["error"]


def test_bad_list_filters_are_400(localhub: LocalHub) -> None:
    assert _raw(localhub, "GET", f"/api/jobs/{NS}?stage=running")[0] == 400
    assert _raw(localhub, "GET", f"/api/jobs/{NS}?label=novalue")[0] == 400
    assert _raw(localhub, "GET", f"/api/jobs/{NS}?cursor=garbage")[0] == 400


@pytest.mark.parametrize("stage", ["UPDATING", "running", "Completed", "PAUSED", ""])
def test_only_the_hubs_stages_are_list_filters(localhub: LocalHub, stage: str) -> None:
    status, body, _ = _raw(localhub, "GET", f"/api/jobs/{NS}?stage={stage}")
    assert status == 400 and "stage filter" in body["error"]


def test_every_job_stage_is_a_valid_filter(hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], namespace=NS)
    for stage in JobStage:  # the client upper-cases what it sends
        found = [j.id for j in hf_api.list_jobs(status=stage.value.lower(), namespace=NS)]
        assert found == ([job.id] if stage == JobStage.SCHEDULING else [])
    with pytest.raises(BadRequestError, match="stage filter 'UPDATING'"):
        list(hf_api.list_jobs(status="updating", namespace=NS))


# 409 and state conflicts ------------------------------------------------------------------------


def test_cancel_or_expose_a_finished_job_is_409(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], namespace=NS)
    clock.advance(3600)
    with pytest.raises(HfHubHTTPError, match="already COMPLETED") as excinfo:
        hf_api.cancel_job(job_id=job.id, namespace=NS)
    assert excinfo.value.response.status_code == 409
    with pytest.raises(HfHubHTTPError) as excinfo:
        hf_api.update_job_expose(job_id=job.id, expose=[80], namespace=NS)
    assert excinfo.value.response.status_code == 409
    # labels remain editable after the end
    assert hf_api.update_job_labels(job_id=job.id, labels={"a": "b"}, namespace=NS).labels == {"a": "b"}


# Not emulated ------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:'HfApi.run_uv_job' is experimental:UserWarning")
def test_local_script_upload_is_501(hf_api: HfApi, tmp_path: Any) -> None:
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    with pytest.raises(HfHubHTTPError, match="does not emulate buckets") as excinfo:
        hf_api.run_uv_job(str(script), namespace=NS)
    assert excinfo.value.response.status_code == 501


def test_agent_harnesses_needs_no_token(localhub: LocalHub) -> None:
    status, body, _ = _raw(localhub, "GET", "/api/agent-harnesses", token=None)
    assert (status, body) == (200, {"standardEnvVars": [], "harnesses": {}})


def test_wrong_method_is_405(localhub: LocalHub) -> None:
    status, _, headers = _raw(localhub, "DELETE", f"/api/jobs/{NS}/{MISSING}")
    assert status == 405 and headers["Allow"] == "GET"
