"""localhub as a real subprocess: the serve command, and several processes sharing one database."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from hfjobs_spec.localhub import LocalHub

NS = "alice"
DEADLINE = 20.0


class Served:
    """A `python -m hfjobs_spec.localhub serve ...` subprocess and the URL it printed."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hfjobs_spec.localhub", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], DEADLINE)
        if not ready:
            self.stop()
            pytest.fail("localhub serve printed nothing")
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            pytest.fail(f"unexpected first line {self.url!r}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=DEADLINE)
        finally:
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()
        return code


@pytest.fixture
def serve() -> Iterator[type[Served]]:
    started: list[Served] = []

    class Tracked(Served):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Tracked
    for served in started:
        served.stop(signal.SIGKILL)


def test_serve_prints_url_and_stops_cleanly_on_sigterm(serve: type[Served], tmp_path: Path) -> None:
    served = serve(
        "--db", str(tmp_path / "hub.sqlite3"), "--user", "carol", "--org", "lab", "--token", "sesame"
    )
    me = HfApi(endpoint=served.url, token="sesame").whoami()
    assert (me["name"], [org["name"] for org in me["orgs"]]) == ("carol", ["lab"])
    with pytest.raises(HfHubHTTPError) as excinfo:
        HfApi(endpoint=served.url, token="wrong").whoami()
    assert excinfo.value.response.status_code == 401
    assert served.stop(signal.SIGTERM) == 0


def test_serve_stops_on_ctrl_c(serve: type[Served]) -> None:
    served = serve()  # temporary database
    HfApi(endpoint=served.url, token="t").run_job(image="python:3.12", command=["x"], namespace=NS)
    assert served.stop(signal.SIGINT) == 0


def test_serve_rejects_bad_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hfjobs_spec.localhub", "serve", "--user", "bad name"],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert result.returncode != 0 and "invalid user" in result.stderr


def test_processes_sharing_a_database_see_each_others_writes(serve: type[Served], tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    first, second = serve("--db", str(db)), serve("--db", str(db))
    api_a, api_b = HfApi(endpoint=first.url, token="t"), HfApi(endpoint=second.url, token="t")

    job = api_a.run_job(image="python:3.12", command=["from-a"], namespace=NS)
    assert api_b.inspect_job(job_id=job.id, namespace=NS).command == ["from-a"]
    scheduled = api_b.create_scheduled_job(
        image="python:3.12", command=["x"], schedule="@daily", namespace=NS
    )
    assert [s.id for s in api_a.list_scheduled_jobs(namespace=NS)] == [scheduled.id]
    api_a.update_job_labels(job_id=job.id, labels={"seen": "by-a"}, namespace=NS)
    assert api_b.inspect_job(job_id=job.id, namespace=NS).labels == {"seen": "by-a"}

    # an in-process hub on the same file joins in
    with LocalHub(db) as third:
        api_c = HfApi(endpoint=third.url, token="t")
        api_c.cancel_job(job_id=job.id, namespace=NS)
        assert api_a.inspect_job(job_id=job.id, namespace=NS).status.stage == "CANCELED"

        # concurrent writers in three processes lose nothing
        def create(api: HfApi) -> str:
            return api.run_job(image="python:3.12", command=["burst"], namespace=NS).id

        with ThreadPoolExecutor(max_workers=6) as pool:
            created = set(pool.map(create, [api_a, api_b, api_c] * 10))
        assert len(created) == 30
        listed = {j.id for j in api_c.list_jobs(namespace=NS) if j.command == ["burst"]}
        assert listed == created


def test_python_m_module_has_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hfjobs_spec.localhub", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert result.returncode == 0 and "--page-size" in result.stdout and "--faults" in result.stdout


def _admin(url: str, name: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(f"{url}/_localhub/{name}", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=DEADLINE) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


def test_admin_routes_drive_another_process(serve: type[Served], tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(
        json.dumps({"rules": [{"route": "GET /api/whoami-v2", "mode": "error", "status": 503}]})
    )
    served = serve("--faults", str(faults), "--scheduling-seconds", "1", "--run-seconds", "2")
    api = HfApi(endpoint=served.url, token="t")
    with pytest.raises(HfHubHTTPError):
        api.whoami()  # the fault file was loaded at start
    _admin(
        served.url,
        "faults",
        {"rules": [{"route": "POST /api/jobs/{ns}", "mode": "commit-then-fail", "count": 1}]},
    )
    with pytest.raises(HfHubHTTPError):
        api.run_job(image="python:3.12", command=["x"], namespace=NS)
    [job] = list(api.list_jobs(namespace=NS))
    assert job.status.stage == "SCHEDULING"
    _admin(served.url, "clock", {"advance": 10})
    assert api.inspect_job(job_id=job.id, namespace=NS).status.stage == "COMPLETED"
    request = urllib.request.Request(f"{served.url}/_localhub/counters")
    with urllib.request.urlopen(request, timeout=DEADLINE) as response:
        counts = json.loads(response.read())
    assert counts["POST /api/jobs/{ns}"] == 1 and counts["GET /api/whoami-v2"] == 1
