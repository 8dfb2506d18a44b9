"""Contract tests: every HfApi jobs method, through the real client over HTTP, against localhub."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime, timedelta
from typing import Any

import pytest
from huggingface_hub import HfApi, JobStage, Volume

from hfjobs_spec.flavors import FLAVORS
from hfjobs_spec.localhub import Clock, LocalHub

NS = "alice"
ID = re.compile(r"[0-9a-f]{24}")


def _request(hub: LocalHub, method: str, path: str, body: Any = None) -> Any:
    """A raw request, for what the Python client never sends or never reads (it shows the JSON as is)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    request = urllib.request.Request(hub.url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _post(hub: LocalHub, path: str, body: Any = None) -> Any:
    return _request(hub, "POST", path, body)


def _get(hub: LocalHub, path: str) -> Any:
    return _request(hub, "GET", path)


def test_whoami_reports_user_and_orgs(hf_api: HfApi) -> None:
    me = hf_api.whoami()
    assert me["name"] == "alice"
    assert me["type"] == "user"
    assert [org["name"] for org in me["orgs"]] == ["acme"]


def test_namespace_defaults_to_whoami(hf_api: HfApi, localhub: LocalHub) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"])  # no namespace: resolved by whoami
    assert job.owner.name == "alice"
    assert localhub.counters()["GET /api/whoami-v2"] == 1


def test_list_jobs_hardware_serves_all_flavors(hf_api: HfApi) -> None:
    hardware = hf_api.list_jobs_hardware()
    assert sorted(hw.name for hw in hardware) == sorted(FLAVORS)
    basic = hardware[0]
    assert (basic.pretty_name, basic.cpu, basic.ram, basic.accelerator) == (
        "CPU Basic",
        "2 vCPU",
        "16 GB",
        None,
    )
    assert basic.unit_cost_micro_usd == 167 and basic.unit_label == "minute"
    assert basic.unit_cost_usd == pytest.approx(0.000167)
    a100x8 = next(hw for hw in hardware if hw.name == "a100x8")
    assert a100x8.accelerator is not None
    assert (a100x8.accelerator.model, a100x8.accelerator.quantity, a100x8.accelerator.vram) == (
        "A100",
        "8",
        "640 GB",
    )
    assert a100x8.unit_cost_micro_usd == 333333


def test_run_job_returns_a_faithful_job(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(
        image="python:3.12",
        command=["python", "-c", "print(1)"],
        env={"MODE": "fast"},
        secrets={"API_KEY": "s3cr3t"},
        flavor="a10g-small",
        timeout="1.5h",
        attempts=3,
        labels={"team": "ml"},
        name="my-job",
        volumes=[
            Volume(type="dataset", source="org/ds", mount_path="/data", revision="main", path="sub"),
            Volume(type="bucket", source="org/b", mount_path="/out", read_only=False),
        ],
        expose=[8000],
        expose_public=[9000],
        ssh=True,
        network_group="train",
        network_aliases=["master"],
        resource_group_id="rg1",
        namespace=NS,
    )
    assert ID.fullmatch(job.id)
    assert job.created_at == clock.now()
    assert job.started_at is None and job.finished_at is None
    assert job.status.stage == JobStage.SCHEDULING
    assert job.docker_image == "python:3.12" and job.space_id is None
    assert job.command == ["python", "-c", "print(1)"] and job.arguments == []
    assert job.environment == {"MODE": "fast"}
    assert list(job.secrets or ()) == ["API_KEY"]  # names only, as the Hub sends them
    assert job.flavor == "a10g-small"
    assert job.labels == {"team": "ml", "name": "my-job"}
    assert job.retry == 2
    assert job.owner.name == "alice" and job.owner.type == "user" and ID.fullmatch(job.owner.id)
    assert job.initiator is not None and (job.initiator.type, job.initiator.name) == ("user", "alice")
    assert job.volumes is not None
    assert [(v.type, v.source, v.mount_path, v.read_only) for v in job.volumes] == [
        ("dataset", "org/ds", "/data", True),
        ("bucket", "org/b", "/out", False),
    ]
    assert (job.volumes[0].revision, job.volumes[0].path) == ("main", "sub")
    assert job.expose == [8000, 9000] and job.expose_public == [9000]
    assert job.status.expose_urls is None  # nothing is reachable while SCHEDULING
    assert job.status.ssh_url == f"ssh://{job.id}@ssh.hf.jobs"
    assert job.network is not None and (job.network.group, job.network.aliases) == ("train", ["master"])
    assert job.url.endswith(f"/jobs/alice/{job.id}")
    clock.advance(10)
    running = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert running.status.expose_urls == [f"https://{job.id}--8000.hf.jobs", f"https://{job.id}--9000.hf.jobs"]


def test_minimal_job_leaves_optional_collections_out(hf_api: HfApi) -> None:
    job = hf_api.run_job(image="hf.co/spaces/lhoestq/duckdb", command=["duckdb"], namespace=NS)
    assert job.space_id == "lhoestq/duckdb" and job.docker_image is None
    assert job.secrets is not None and not list(job.secrets) and job.environment == {}
    assert job.volumes is None and job.expose is None and job.network is None
    assert job.status.ssh_url is None and job.status.expose_urls is None
    assert job.retry == 0
    assert job.labels is not None and job.labels["name"].startswith("lhoestq-duckdb-")


def test_arch_is_accepted_and_echoed(localhub: LocalHub, hf_api: HfApi) -> None:
    # huggingface.js sends `arch`; the Python client never does, and JobInfo does not surface it.
    spec = {"dockerImage": "python:3.12", "command": ["uname", "-m"], "arch": "arm64"}
    run = _post(localhub, f"/api/jobs/{NS}", spec)
    assert run["arch"] == "arm64"
    assert _post(localhub, f"/api/jobs/{NS}/{run['id']}/duplicate")["arch"] == "arm64"
    scheduled = _post(localhub, f"/api/scheduled-jobs/{NS}", {"jobSpec": spec, "schedule": "@daily"})
    assert scheduled["jobSpec"]["arch"] == "arm64"
    assert hf_api.inspect_scheduled_job(scheduled_job_id=scheduled["id"], namespace=NS).job_spec.arch == "arm64"
    assert _post(localhub, f"/api/scheduled-jobs/{NS}/{scheduled['id']}/run")["arch"] == "arm64"
    # Left out when not sent, so a reader cannot count on it.
    plain = hf_api.create_scheduled_job(image="python:3.12", command=["true"], schedule="@daily", namespace=NS)
    assert plain.job_spec.arch is None
    assert "arch" not in _post(localhub, f"/api/jobs/{NS}", {"dockerImage": "python:3.12", "command": []})


def test_org_namespace(hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], namespace="acme")
    assert (job.owner.name, job.owner.type) == ("acme", "org")
    assert hf_api.inspect_job(job_id=job.id, namespace="acme").id == job.id


@pytest.mark.filterwarnings("ignore:'HfApi.run_uv_job' is experimental:UserWarning")
def test_run_uv_job_with_url_script(hf_api: HfApi) -> None:
    job = hf_api.run_uv_job(
        "https://example.com/x/train.py",
        script_args=["--n", "3"],
        dependencies=["trl", "torch==2.1"],
        python="3.11",
        namespace=NS,
    )
    assert job.docker_image == "ghcr.io/astral-sh/uv:python3.12-bookworm"
    assert job.command == [
        "uv", "run", "--with", "trl", "--with", "torch==2.1", "--python", "3.11",
        "https://example.com/x/train.py", "--n", "3",
    ]  # fmt: skip
    assert job.labels is not None and job.labels["name"].startswith("train-")


def test_inspect_job_tracks_the_clock(hf_api: HfApi, clock: Clock, start: datetime) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], namespace=NS)
    clock.advance(10)  # default: 5 s scheduling, 30 s running
    running = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert running.status.stage == "RUNNING"
    assert job.created_at == start
    assert running.started_at == start + timedelta(seconds=5)
    assert running.durations is not None
    assert (running.durations.scheduling_secs, running.durations.running_secs) == (5, 5)
    clock.advance(60)
    done = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert done.status.stage == "COMPLETED"
    assert done.finished_at == start + timedelta(seconds=35)
    assert done.durations is not None and done.durations.total_secs == 35


def test_scheduling_runs_report_only_total_duration(localhub: LocalHub, hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["serve"], expose=[8000], namespace=NS)
    clock.advance(3)
    raw = _get(localhub, f"/api/jobs/{NS}/{job.id}")
    assert raw["status"]["stage"] == "SCHEDULING"
    assert raw["durations"] == {"totalSecs": 3}
    assert "exposeUrls" not in raw["status"]
    scheduling = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert scheduling.durations is not None
    assert (scheduling.durations.scheduling_secs, scheduling.durations.running_secs) == (None, None)
    assert scheduling.durations.total_secs == 3
    clock.advance(4)  # RUNNING for 2 s: every key, and the URLs
    raw = _get(localhub, f"/api/jobs/{NS}/{job.id}")
    assert raw["durations"] == {"schedulingSecs": 5, "runningSecs": 2, "totalSecs": 7}
    assert raw["status"]["exposeUrls"] == [f"https://{job.id}--8000.hf.jobs"]
    clock.advance(3600)  # once finished, the URLs are gone again
    assert "exposeUrls" not in _get(localhub, f"/api/jobs/{NS}/{job.id}")["status"]


def test_cancel_job(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["sleep", "1000"], namespace=NS)
    clock.advance(7)
    hf_api.cancel_job(job_id=job.id, namespace=NS)
    canceled = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert canceled.status.stage == "CANCELED"
    assert canceled.finished_at == clock.now()
    clock.advance(3600)  # stays canceled
    assert hf_api.inspect_job(job_id=job.id, namespace=NS).status.stage == "CANCELED"


def test_cancel_answers_the_canceled_job(localhub: LocalHub, hf_api: HfApi, clock: Clock) -> None:
    # The Python client ignores the body; huggingface.js parses it as the job.
    job = hf_api.run_job(image="python:3.12", command=["sleep", "1000"], labels={"k": "v"}, namespace=NS)
    clock.advance(7)
    answer = _post(localhub, f"/api/jobs/{NS}/{job.id}/cancel")
    assert (answer["id"], answer["status"]["stage"], answer["labels"]) == (job.id, "CANCELED", job.labels)
    assert answer["finishedAt"] == "2026-01-05T12:00:07.000Z"
    inspected = hf_api.inspect_job(job_id=job.id, namespace=NS)
    assert inspected.status.stage == "CANCELED" and inspected.finished_at == clock.now()


def test_rerun_job_duplicates_spec(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(
        image="python:3.12", command=["echo", "hi"], env={"A": "1"}, secrets={"S": "x"}, attempts=2,
        labels={"k": "v"}, namespace=NS,
    )  # fmt: skip
    clock.advance(100)
    again = hf_api.rerun_job(job_id=job.id, namespace=NS)
    assert again.id != job.id
    assert again.status.stage == "SCHEDULING"
    assert again.created_at == clock.now()
    assert (again.command, again.environment, again.labels, again.retry) == (
        job.command, job.environment, job.labels, job.retry,
    )  # fmt: skip
    assert list(again.secrets or ()) == ["S"]
    assert again.initiator is not None and (again.initiator.type, again.initiator.id) == (
        "duplicated-job",
        job.id,
    )


def test_update_job_labels_replaces_all(hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], labels={"a": "1"}, namespace=NS)
    updated = hf_api.update_job_labels(job_id=job.id, labels={"b": "2", "empty": ""}, namespace=NS)
    assert updated.labels == {"b": "2", "empty": ""}
    assert hf_api.inspect_job(job_id=job.id, namespace=NS).labels == {"b": "2", "empty": ""}
    cleared = hf_api.update_job_labels(job_id=job.id, labels={}, namespace=NS)
    assert cleared.labels is None


def test_update_job_expose(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["serve"], namespace=NS)
    assert job.expose is None
    scheduling = hf_api.update_job_expose(job_id=job.id, expose=[8000], namespace=NS)
    assert scheduling.expose == [8000] and scheduling.status.expose_urls is None  # not running yet
    clock.advance(10)
    exposed = hf_api.update_job_expose(job_id=job.id, expose=[8000], expose_public=[7860], namespace=NS)
    assert exposed.expose == [8000, 7860] and exposed.expose_public == [7860]
    assert exposed.status.expose_urls == [
        f"https://{job.id}--8000.hf.jobs",
        f"https://{job.id}--7860.hf.jobs",
    ]
    closed = hf_api.update_job_expose(job_id=job.id, namespace=NS)
    assert closed.expose is None and closed.status.expose_urls is None


def test_fetch_job_logs(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(
        image="python:3.12", command=["train"], env={"LOCALHUB_LOGS": "step 1\nstep 2\nstep 3"}, namespace=NS
    )
    assert list(hf_api.fetch_job_logs(job_id=job.id, namespace=NS)) == []  # still scheduling
    clock.advance(6)  # running for 1 s: two lines so far
    assert list(hf_api.fetch_job_logs(job_id=job.id, namespace=NS)) == ["step 1", "step 2"]
    clock.advance(60)
    everything = ["step 1", "step 2", "step 3", "[localhub] job finished successfully"]
    assert list(hf_api.fetch_job_logs(job_id=job.id, namespace=NS)) == everything
    assert list(hf_api.fetch_job_logs(job_id=job.id, namespace=NS, tail=2)) == everything[-2:]
    # follow on a finished job: one replay, then the stage check ends it
    assert list(hf_api.fetch_job_logs(job_id=job.id, namespace=NS, follow=True)) == everything


def test_fetch_job_metrics(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["train"], flavor="l4x4", namespace=NS)
    assert list(hf_api.fetch_job_metrics(job_id=job.id, namespace=NS)) == []  # 406 while scheduling
    clock.advance(10)
    [sample] = list(hf_api.fetch_job_metrics(job_id=job.id, namespace=NS))
    assert sample["memory_total_bytes"] == 186 * 1024**3
    assert len(sample["gpus"]) == 4
    clock.advance(3600)
    assert list(hf_api.fetch_job_metrics(job_id=job.id, namespace=NS)) == []  # 406 once finished


def test_wait_for_job(hf_api: HfApi, clock: Clock) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], namespace=NS)
    clock.advance(6)
    running = hf_api.wait_for_job(job.id, stages=[JobStage.RUNNING], namespace=NS, timeout=5)
    assert running.status.stage == "RUNNING"
    clock.advance(100)
    [done] = hf_api.wait_for_job([job.id], namespace=NS, timeout=5)
    assert done.status.stage == "COMPLETED"
