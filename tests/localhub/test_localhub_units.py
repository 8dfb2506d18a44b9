"""Unit tests for localhub's building blocks, and its guarantees that need no client."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hfjobs_spec.flavors import FLAVORS
from hfjobs_spec.localhub import Clock, LocalHub
from hfjobs_spec.localhub.clock import iso, parse_iso, to_ms
from hfjobs_spec.localhub.common import ApiError, new_id
from hfjobs_spec.localhub.db import Database, SchemaMismatchError
from hfjobs_spec.localhub.hardware import HARDWARE
from hfjobs_spec.localhub.lifecycle import Durations, RunTimes, plan_run
from hfjobs_spec.localhub.render import job_json
from hfjobs_spec.localhub.scheduler import make_run
from hfjobs_spec.localhub.validation import validate_job_spec, validate_labels


def test_frozen_clock_moves_only_when_told() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    clock = Clock.frozen_at(start)
    assert clock.now() == start and clock.frozen
    clock.advance(1.5)
    assert clock.now() == start + timedelta(seconds=1.5)
    clock.set(datetime(2026, 3, 1, 2, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == start and clock.now().tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2026, 3, 1))


def test_running_clock_keeps_flowing_from_a_new_instant() -> None:
    clock = Clock()
    clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    first = clock.now()
    assert timedelta(0) <= first - datetime(2030, 1, 1, tzinfo=UTC) < timedelta(seconds=5)
    clock.advance(3600)
    assert clock.now() - first >= timedelta(hours=1)


def test_timestamps_end_in_z_with_milliseconds() -> None:
    when = datetime(2026, 1, 5, 12, 0, 1, 234000, tzinfo=UTC)
    assert iso(to_ms(when)) == "2026-01-05T12:00:01.234Z"
    assert parse_iso("2026-01-05T12:00:01.234Z") == when
    assert parse_iso("2026-01-05T12:00:01") == when.replace(microsecond=0)


def test_ids_are_24_hex_and_start_with_the_creation_second() -> None:
    created = to_ms(datetime(2026, 1, 5, tzinfo=UTC))
    job_id = new_id(created)
    assert len(job_id) == 24 and int(job_id, 16) >= 0
    assert int(job_id[:8], 16) == created // 1000
    assert new_id(created) != job_id


def test_hardware_table_matches_the_project_flavors() -> None:
    assert sorted(hw.name for hw in HARDWARE) == sorted(FLAVORS)
    assert len(HARDWARE) == 26
    for hw in HARDWARE:
        payload = hw.to_json()
        assert payload["unitCostMicroUSD"] > 0 and payload["unitLabel"] == "minute"
        assert (payload["accelerator"] is None) == hw.name.startswith("cpu-")


def test_label_limits() -> None:
    assert validate_labels({"k" * 100: "v" * 100, "empty": ""}) == {"k" * 100: "v" * 100, "empty": ""}
    for bad in ({"k" * 101: "v"}, {"": "v"}, {"k": "v" * 101}, {"k": "é"}, {"k": 1}, ["k"]):
        with pytest.raises(ApiError):
            validate_labels(bad)


def test_repo_volumes_are_forced_read_only() -> None:
    spec = {
        "dockerImage": "x",
        "command": [],
        "volumes": [{"type": "model", "source": "o/m", "mountPath": "/m"}],
    }
    assert validate_job_spec(spec).spec["volumes"][0]["readOnly"] is True
    spec["volumes"][0]["readOnly"] = False  # type: ignore[index]
    with pytest.raises(ApiError, match="always read-only"):
        validate_job_spec(spec)


def test_plan_run_outcomes() -> None:
    d = Durations(scheduling_seconds=2, run_seconds=10)
    ok = plan_run({}, attempts=1, timeout_seconds=60, created_ms=0, durations=d)
    assert (ok.start_ms, ok.end_ms, ok.final_stage) == (2000, 12000, "COMPLETED")
    long = plan_run({"LOCALHUB_RUN_SECONDS": "61"}, attempts=1, timeout_seconds=60, created_ms=0, durations=d)
    assert (long.end_ms, long.final_stage) == (62000, "ERROR")
    retried = plan_run(
        {"LOCALHUB_OUTCOME": "ERROR"}, attempts=4, timeout_seconds=60, created_ms=0, durations=d
    )
    assert (retried.end_ms, retried.final_stage) == (42000, "ERROR")
    for env in ({"LOCALHUB_RUN_SECONDS": "-1"}, {"LOCALHUB_RUN_SECONDS": "nan"}, {"LOCALHUB_OUTCOME": "x"}):
        with pytest.raises(ApiError):
            plan_run(env, attempts=1, timeout_seconds=60, created_ms=0, durations=d)


def test_run_times_stage_rules() -> None:
    times = RunTimes(
        created_ms=0, start_ms=10, end_ms=20, final_stage="COMPLETED", final_message=None, canceled_ms=None
    )
    assert [times.stage(t) for t in (0, 9, 10, 19, 20)] == ["SCHEDULING"] * 2 + ["RUNNING"] * 2 + [
        "COMPLETED"
    ]
    canceled = RunTimes(0, 10, 20, "COMPLETED", None, canceled_ms=5)
    assert (
        canceled.stage(5) == "CANCELED"
        and canceled.started_ms(100) is None
        and canceled.finished_ms(100) == 5
    )


def test_imports_stay_light_and_never_pull_the_client() -> None:
    code = (
        "import sys, hfjobs_spec.localhub.cli\n"
        "assert 'hfjobs_spec.localhub.server' not in sys.modules, 'attaching the CLI loads the server'\n"
        "from hfjobs_spec.localhub import LocalHub, Clock, FaultRule\n"
        "assert 'huggingface_hub' not in sys.modules, 'huggingface_hub imported'\n"
        "assert 'croniter' not in sys.modules, 'croniter imported at start-up'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_database_refuses_another_schema_version(tmp_path: Path) -> None:
    db = Database(tmp_path / "hub.sqlite3")
    db.close()
    with sqlite3.connect(tmp_path / "hub.sqlite3") as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(SchemaMismatchError):
        Database(tmp_path / "hub.sqlite3")


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    Database(tmp_path / "hub.sqlite3").close()
    conn = sqlite3.connect(tmp_path / "hub.sqlite3")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def _raw_json(hub: LocalHub, method: str, path: str, body: object = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    request = urllib.request.Request(hub.url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_secrets_come_back_as_sorted_names_everywhere(localhub: LocalHub, clock: Clock) -> None:
    secrets = {"ZETA": "plain-z", "ALPHA": "plain-a"}
    spec = {"dockerImage": "x", "command": ["y"], "secrets": secrets}
    run = _raw_json(localhub, "POST", "/api/jobs/alice", spec)
    scheduled = _raw_json(localhub, "POST", "/api/scheduled-jobs/alice", {"jobSpec": spec, "schedule": "@hourly"})
    answers = [
        run,
        _raw_json(localhub, "GET", f"/api/jobs/alice/{run['id']}"),
        _raw_json(localhub, "POST", f"/api/jobs/alice/{run['id']}/duplicate"),
        scheduled["jobSpec"],
        _raw_json(localhub, "GET", f"/api/scheduled-jobs/alice/{scheduled['id']}")["jobSpec"],
        _raw_json(localhub, "POST", f"/api/scheduled-jobs/alice/{scheduled['id']}/run"),
    ]
    clock.advance(3600)  # a cron run too
    answers += _raw_json(localhub, "GET", "/api/jobs/alice")
    answers += [item["jobSpec"] for item in _raw_json(localhub, "GET", "/api/scheduled-jobs/alice")]
    assert len(answers) == 11  # 6 above, 4 runs listed, 1 scheduled job listed
    assert all(answer["secrets"] == ["ALPHA", "ZETA"] for answer in answers)
    without = _raw_json(localhub, "POST", "/api/jobs/alice", {"dockerImage": "x", "command": []})
    assert without["secrets"] == []


def test_secrets_never_leave_in_plaintext(localhub: LocalHub, token: str) -> None:
    from huggingface_hub import HfApi

    api = HfApi(endpoint=localhub.url, token=token)
    job = api.run_job(image="x", command=[], secrets={"K": "plain-value"}, namespace="alice")
    api.rerun_job(job_id=job.id, namespace="alice")
    api.create_scheduled_job(image="x", command=["y"], schedule="@daily", secrets={"K": "plain-value"},
                             namespace="alice")
    for path in ("/api/jobs/alice", "/api/scheduled-jobs/alice", f"/api/jobs/alice/{job.id}"):
        assert "plain-value" not in json.dumps(_raw_json(localhub, "GET", path))
    # Not even the database file keeps the value: only a keyed digest is stored.
    for stored in localhub.db_path.parent.glob(localhub.db_path.name + "*"):
        assert b"plain-value" not in stored.read_bytes()


def test_a_spec_stored_before_arch_existed_still_renders() -> None:
    spec = validate_job_spec({"dockerImage": "x", "command": []}).spec
    del spec["arch"]  # rows written by an older localhub have no such key
    run = make_run(namespace="alice", spec=spec, labels={}, secrets={}, created_ms=0,
                   initiator={"type": "user", "id": "u"}, durations=Durations())
    assert "arch" not in job_json(run, 0, {"id": "o", "name": "alice", "type": "user"})


def test_for_project_keeps_state_under_dot_hfjobs(tmp_path: Path, token: str) -> None:
    from huggingface_hub import HfApi

    with LocalHub.for_project(tmp_path) as hub:
        job = HfApi(endpoint=hub.url, token=token).run_job(image="x", command=["persist"], namespace="alice")
        assert hub.db_path == tmp_path / ".hfjobs" / "localhub.sqlite3"
    assert (tmp_path / ".hfjobs" / ".gitignore").read_text().strip().endswith("*")
    with LocalHub.for_project(tmp_path) as hub:  # a later CLI invocation sees the same state
        again = HfApi(endpoint=hub.url, token=token).inspect_job(job_id=job.id, namespace="alice")
        assert again.command == ["persist"]


def test_hub_lifecycle_guards(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "x.sqlite3")
    with pytest.raises(RuntimeError, match="not started"):
        _ = hub.url
    assert hub.counters() == {}
    with hub:
        assert hub.url.startswith("http://127.0.0.1:") and not hub.url.endswith("/")
        with pytest.raises(RuntimeError, match="already started"):
            hub.start()
    hub.stop()  # idempotent
    temporary = LocalHub().start()
    path = temporary.db_path
    assert path.exists()
    temporary.stop()
    assert not path.exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user": "bad name"},
        {"user": "a", "orgs": ["a"]},
        {"page_size": 0},
        {"token": " "},
        {"run_seconds": -1},
    ],
)
def test_invalid_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        LocalHub(**kwargs)  # type: ignore[arg-type]
