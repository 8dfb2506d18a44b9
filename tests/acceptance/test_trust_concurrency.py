"""Overlapping applies are safe: the lease on the Hub serialises them, and nothing is duplicated.

The real CLI, twice at once, against one localhub; then a look at what is on the Hub.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from huggingface_hub import HfApi

from hfjobs_spec import labels as L
from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env

TRIALS = 3


def project(root: Path, hub: LocalHub, tmp_path: Path) -> Cli:
    cli = Cli(root, user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", f"apiVersion: hfjobs/v1\nproject: {root.name}\nnamespace: acme\n")
    for index in range(3):
        cli.write(f"jobs/s{index}.yaml", f"""\
            apiVersion: hfjobs/v1
            name: sched{index}
            schedule: "@daily"
            image: busybox
            command: ["echo", "{index}"]
            """)
        cli.write(f"jobs/o{index}.yaml", f"""\
            apiVersion: hfjobs/v1
            name: once{index}
            image: busybox
            command: ["echo", "{index}"]
            """)
    return cli


def managed(api: HfApi, project_id: str) -> tuple[Counter[str], Counter[str], int]:
    """Scheduled jobs and runs per manifest name, and the number of locks left behind."""
    scheduled = list(api.list_scheduled_jobs(namespace="acme"))
    labels = [job.job_spec.labels or {} for job in scheduled]
    locks = sum(1 for each in labels if L.LOCK in each)
    names = Counter(each.get(L.MANIFEST_NAME, "") for each in labels
                    if each.get(L.PROJECT) == project_id and L.LOCK not in each)
    runs = Counter((run.labels or {}).get(L.MANIFEST_NAME, "") for run in api.list_jobs(namespace="acme")
                   if (run.labels or {}).get(L.PROJECT) == project_id)
    return names, runs, locks


def test_two_applies_at_once_leave_no_duplicates(hub: LocalHub, api: HfApi, tmp_path: Path) -> None:
    for trial in range(TRIALS):
        cli = project(tmp_path / f"race{trial}", hub, tmp_path)
        command = [sys.executable, "-m", "hfjobs_spec", "apply", "--auto-approve"]
        both = [subprocess.Popen(command, cwd=cli.root, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]
        outputs = [process.communicate(timeout=120) for process in both]
        for process, (out, err) in zip(both, outputs, strict=True):
            assert process.returncode == 0, out + err
            assert "Traceback" not in err
        names, runs, locks = managed(api, cli.root.name)
        assert names == Counter({"sched0": 1, "sched1": 1, "sched2": 1}), (names, outputs)
        assert runs == Counter({"once0": 1, "once1": 1, "once2": 1}), (runs, outputs)
        assert locks == 0
        assert "No changes." in cli.run("plan").stdout


def dead_lock(api: HfApi, project_id: str, expires: float) -> str:
    """The lease an apply left behind when it was killed."""
    return api.create_scheduled_job(
        image="busybox", command=["true"], schedule="0 0 1 1 *", suspend=True, namespace="acme",
        labels={L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: project_id, L.ENVIRONMENT: "default",
                L.LOCK: "default", L.LOCK_HOLDER: "ci-runner-pid42", L.LOCK_EXPIRES: str(int(expires))},
    ).id


def test_a_held_lock_refuses_then_force_unlock_frees_it(hub: LocalHub, api: HfApi, tmp_path: Path) -> None:
    cli = project(tmp_path / "locked", hub, tmp_path)
    lock_id = dead_lock(api, "locked", time.time() + 600)
    refused = cli.run("apply", "--auto-approve", "--lock-timeout", "0", code=1)
    assert f"lock {lock_id} held by ci-runner-pid42" in refused.stderr
    assert f"hfjobs-spec force-unlock {lock_id}" in refused.stderr
    names, runs, locks = managed(api, "locked")
    assert not names and not runs and locks == 1

    assert "No changes." not in cli.run("plan").stdout  # plan needs no lock and shows the work
    listed = json.loads(cli.run("status", "--format", "json").stdout)["jobs"]  # the lock is no job:
    assert listed and all(job["id"] is None and job["sync"] == "pending create" for job in listed)  # only manifests
    not_a_lock = api.create_scheduled_job(image="busybox", command=["true"], schedule="@daily", namespace="acme").id
    assert "is not a lock" in cli.run("force-unlock", not_a_lock, code=1).stderr
    assert "Removed lock" in cli.run("force-unlock", lock_id).stdout
    cli.run("apply", "--auto-approve")
    names, runs, locks = managed(api, "locked")
    assert sum(names.values()) == 3 and sum(runs.values()) == 3 and locks == 0
    assert not_a_lock in {job.id for job in api.list_scheduled_jobs(namespace="acme")}


def test_an_expired_lock_is_taken_over(hub: LocalHub, api: HfApi, tmp_path: Path) -> None:
    cli = project(tmp_path / "expired", hub, tmp_path)
    dead_lock(api, "expired", time.time() - 1)
    applied = cli.run("apply", "--auto-approve", "--lock-timeout", "0")
    assert "taking over the expired lock" in applied.stderr
    names, runs, locks = managed(api, "expired")
    assert sum(runs.values()) == 3
    assert sum(names.values()) == 3 and locks == 0
