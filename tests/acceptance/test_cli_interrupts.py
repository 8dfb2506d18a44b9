"""Ctrl-C during apply, as a user presses it: the first is acknowledged at once and lets the changes in
flight finish; a second stops waiting for them, reports what is known, and exits 130 at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env

RUN_ROUTE = "POST /api/jobs/{ns}"
SLOW_MS = 5000  # far longer than the exit may take, so that exiting proves it did not wait


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: stops\nnamespace: acme\n")
    for index in range(5):
        cli.write(f"jobs/run{index}.yaml", f"apiVersion: hfjobs/v1\nname: run{index}\nimage: busybox\n"
                                           "command: ['true']\n")
    return cli


def test_a_second_ctrl_c_exits_at_once_with_what_is_known(cli: Cli, hub: LocalHub, api: HfApi) -> None:
    hub.faults.add({"route": RUN_ROUTE, "mode": "latency", "ms": SLOW_MS})
    process = subprocess.Popen([sys.executable, "-m", "hfjobs_spec", "apply", "--auto-approve", "--parallelism", "2"],
                               cwd=cli.root, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    try:
        while hub.counters().get(RUN_ROUTE, 0) < 2:  # both changes are in flight: the handler is armed
            assert process.poll() is None
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        acknowledged = ""
        while "Stopping after" not in acknowledged:
            line = process.stderr.readline()
            assert line, "apply ended without acknowledging Ctrl-C"
            acknowledged += line
        assert "Stopping after the 2 changes in flight; no new change will start" in acknowledged
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=SLOW_MS / 1000 - 1)  # it does not wait for the slow runs
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, out + err
    assert "No longer waiting" in err and "Traceback" not in err
    assert "In flight when apply stopped waiting (outcome unknown" in out
    assert out.count("  - job run") == 5  # 2 in flight, 3 not started
    assert "Apply interrupted: 0 succeeded, 0 failed, 2 in flight, 3 not started." in out

    hub.faults.clear()
    while len(list(api.list_jobs(namespace="acme"))) < 2:  # the abandoned runs land on the Hub all the same
        time.sleep(0.1)
    cli.run("apply", "--auto-approve")
    names = sorted((job.labels or {})["hfjobs-name"] for job in api.list_jobs(namespace="acme"))
    assert names == [f"run{index}" for index in range(5)]  # no run was started twice
