"""`status` as an operator uses it, against localhub: the facts of each job, NAME filters, JSON,
`--fail-on-error`, orphaned jobs, and the way to run a failed revision again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from huggingface_hub import constants

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, InProcessCli, user_env


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)  # what HF_ENDPOINT sets when the client is imported
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    cli = InProcessCli(tmp_path / "repo", user_env(tmp_path))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: ops\nnamespace: acme\n")
    cli.write("jobs/nightly.yaml", """\
        apiVersion: hfjobs/v1
        name: nightly
        schedule: "0 3 * * *"
        image: busybox
        command: ["true"]
        """)
    cli.write("jobs/once.yaml", """\
        apiVersion: hfjobs/v1
        name: once
        image: busybox
        command: ["false"]
        env: {LOCALHUB_OUTCOME: error, LOCALHUB_RUN_SECONDS: "42"}
        ---
        apiVersion: hfjobs/v1
        name: fine
        image: busybox
        command: ["true"]
        env: {LOCALHUB_RUN_SECONDS: "7"}
        """)
    return cli


def by_name(cli: Cli, *args: str, code: int = 0) -> dict[str, dict[str, object]]:
    document = json.loads(cli.run("status", "--format", "json", *args, code=code).stdout)
    return {job["name"]: job for job in document["jobs"]}


def test_status_for_operators(cli: Cli, hub: LocalHub) -> None:
    before = by_name(cli)
    assert {name: job["sync"] for name, job in before.items()} == {
        "fine": "pending create", "nightly": "pending create", "once": "pending create"}
    assert before["nightly"]["id"] is None and before["nightly"]["schedule"] == "0 3 * * *"

    cli.run("apply", "--auto-approve")
    hub.clock.advance(120)  # both runs have ended
    jobs = by_name(cli, "--fail-on-error", code=1)
    assert {name: job["sync"] for name, job in jobs.items()} == {"fine": "in sync", "nightly": "in sync",
                                                                  "once": "in sync"}
    once = jobs["once"]["last_run"]
    assert isinstance(once, dict)
    assert once["stage"] == "ERROR" and once["duration_seconds"] == 42 and "exit code 1" in str(once["message"])
    assert str(once["url"]).startswith(hub.url) and once["finished_at"]
    assert jobs["once"]["rerun"] is True and jobs["fine"]["rerun"] is False
    assert jobs["nightly"]["next_run_at"] and jobs["nightly"]["last_run"] is None

    done = cli.run("status", "--fail-on-error", code=1)
    assert "error: once: the latest run" in done.stderr and "ended in ERROR" in done.stderr
    assert "once: this revision ran once and ended ERROR; run it again with: hfjobs-spec apply --replace once" \
        in done.stdout
    assert "once: the last run" in done.stdout and "failed: Job failed with exit code 1" in done.stdout
    header, *rows = done.stdout.splitlines()[:4]
    assert header.split()[:3] == ["NAME", "KIND", "NAMESPACE"] and "DURATION" in header
    assert any(row.startswith("fine ") and " 7s " in row for row in rows)

    # NAME filters, and a name nobody declared is a typo
    assert set(by_name(cli, "fine", "nightly", "--fail-on-error")) == {"fine", "nightly"}
    typo = cli.run("status", "onse", code=1)
    assert "onse: no such job in the manifests or on the Hub; did you mean 'once'?" in typo.stderr

    # A one-shot job whose manifest is gone is orphaned, never "in sync"
    cli.write("jobs/once.yaml", "")
    gone = by_name(cli)
    assert gone["once"]["sync"] == "orphaned" and gone["once"]["declared"] is False
    assert gone["once"]["rerun"] is False
    assert "once: no manifest declares it any more" in cli.run("status").stdout

    # Following the hint runs the revision again
    cli.write("jobs/once.yaml", """\
        apiVersion: hfjobs/v1
        name: once
        image: busybox
        command: ["false"]
        env: {LOCALHUB_OUTCOME: error, LOCALHUB_RUN_SECONDS: "42"}
        """)
    cli.run("apply", "--auto-approve", "--replace", "once")
    again = by_name(cli, "once")["once"]["last_run"]
    assert isinstance(again, dict) and again["stage"] in ("SCHEDULING", "RUNNING") and again["id"] != once["id"]


def test_the_real_cli_exits_1_on_a_failed_run(tmp_path: Path, hub: LocalHub, cli: Cli) -> None:
    cli.run("apply", "--auto-approve")
    hub.clock.advance(120)
    real = Cli(cli.root, user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    assert "once" in real.run("status", "--fail-on-error", code=1).stderr
    real.run("status", "fine", "--fail-on-error")


def test_orphaned_schedule_when_pruning_is_off(cli: Cli) -> None:
    cli.run("apply", "--auto-approve")
    (cli.root / "jobs/nightly.yaml").unlink()
    assert by_name(cli)["nightly"]["sync"] == "pending delete"
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: ops\nnamespace: acme\nprune: false\n")
    assert by_name(cli)["nightly"]["sync"] == "orphaned"
