"""The CLI as a user runs it (a subprocess), against localhub on a free port: the whole story.

Every output of every command, and every saved plan, is scanned for the secret values at the end.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import SECRET, TOKEN, Cli, scan_for_secrets, scheduled_by_name, user_env


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", """\
        apiVersion: hfjobs/v1
        project: story
        namespace: acme
        defaults:
          labels: {team: eval}
        """)
    cli.write("scripts/train.py", "print('v1')\n")
    cli.write("jobs/nightly.yaml", """\
        apiVersion: hfjobs/v1
        name: nightly
        schedule: "0 3 * * *"
        image: python:3.12
        command: [python, -c, "print('nightly')"]
        secrets: {HF_TOKEN: $HF_TOKEN, WANDB_API_KEY: $WANDB_API_KEY}
        """)
    cli.write("jobs/train.yaml", """\
        apiVersion: hfjobs/v1
        name: train
        schedule: "@daily"
        script: scripts/train.py
        dependencies: [numpy]
        """)
    cli.write("jobs/once.yaml", """\
        apiVersion: hfjobs/v1
        name: once
        image: python:3.12
        command: [python, -c, "print('once')"]
        """)
    return cli


def test_the_whole_story(cli: Cli, api: HfApi, tmp_path: Path) -> None:
    cli.run("validate")
    assert cli.run("plan", "--detailed-exitcode", code=2).stdout.rstrip().endswith(
        "Plan: 3 to create, 0 to update, 0 to replace, 0 to delete.")
    refused = cli.run("apply", code=1, stdin="")
    assert "--auto-approve" in refused.stderr
    assert not scheduled_by_name(api)

    applied = cli.run("apply", "--auto-approve")
    assert "Apply complete: 3 succeeded, 0 failed, 0 not started." in applied.stdout
    first = scheduled_by_name(api)
    assert sorted(first) == ["nightly", "train"] and all(len(ids) == 1 for ids in first.values())
    assert cli.run("plan", "--detailed-exitcode").stdout.rstrip().endswith("No changes.")

    # Reschedule in place: same id, new schedule.
    cli.write("jobs/nightly.yaml", (cli.root / "jobs/nightly.yaml").read_text().replace("0 3 * * *", "30 4 * * *"))
    planned = cli.run("plan", code=0).stdout
    assert '~ schedule: "0 3 * * *" -> "30 4 * * *"' in planned and "1 to update" in planned
    cli.run("apply", "--auto-approve")
    (nightly_id,) = scheduled_by_name(api)["nightly"]
    assert nightly_id == first["nightly"][0]
    assert api.inspect_scheduled_job(scheduled_job_id=nightly_id, namespace="acme").schedule == "30 4 * * *"

    # Flavor change: replaced by a new id, the old one gone.
    cli.write("jobs/nightly.yaml", (cli.root / "jobs/nightly.yaml").read_text() + "flavor: t4-small\n")
    planned = cli.run("plan").stdout
    assert "flavor changed: forces replacement" in planned and "-/+ scheduled_job \"nightly\"" in planned
    cli.run("apply", "--auto-approve")
    (replaced_id,) = scheduled_by_name(api)["nightly"]
    assert replaced_id != nightly_id
    assert api.inspect_scheduled_job(scheduled_job_id=replaced_id, namespace="acme").job_spec.flavor == "t4-small"

    # Script edit: replaced.
    cli.write("scripts/train.py", "print('v2')\n")
    assert "script changed: forces replacement" in cli.run("plan").stdout
    cli.run("apply", "--auto-approve")
    assert scheduled_by_name(api)["train"] != first["train"]

    # Hand-made drift on the Hub is shown and reverted.
    api.update_scheduled_job_schedule(scheduled_job_id=replaced_id, schedule="0 0 * * *", namespace="acme")
    planned = cli.run("plan").stdout
    assert "changed on the Hub since the last apply" in planned
    cli.run("apply", "--auto-approve")
    assert api.inspect_scheduled_job(scheduled_job_id=replaced_id, namespace="acme").schedule == "30 4 * * *"

    # Removal: deleted.
    (cli.root / "jobs/train.yaml").unlink()
    assert "not declared any more" in cli.run("plan").stdout
    cli.run("apply", "--auto-approve")
    assert sorted(scheduled_by_name(api)) == ["nightly"]
    assert cli.run("plan", "--detailed-exitcode").returncode == 0

    # Status lists every managed job.
    status = json.loads(cli.run("status", "--format", "json").stdout)
    assert {(job["name"], job["kind"]) for job in status["jobs"]} == {("nightly", "scheduled_job"), ("once", "job")}

    # Every output and every plan file: no secret value anywhere.
    scan_for_secrets(cli, tmp_path)


def test_saved_plans_are_refused_when_stale(cli: Cli, api: HfApi, tmp_path: Path) -> None:
    cli.run("plan", "--out", "plan.json", "--detailed-exitcode", code=2)
    saved = json.loads((cli.root / "plan.json").read_text())
    assert saved["format_version"] == 2 and saved["summary"]["create"] == 3
    cli.write("jobs/once.yaml", (cli.root / "jobs/once.yaml").read_text().replace("'once'", "'twice'"))
    stale = cli.run("apply", "plan.json", code=1)
    assert "plan is stale: the manifests changed" in stale.stderr
    assert not scheduled_by_name(api)

    cli.run("plan", "--out", "plan.json", code=0)
    api.create_scheduled_job(image="x", command=["y"], schedule="@daily", namespace="acme",
                             labels={"hfjobs-managed-by": "hfjobs-spec", "hfjobs-project": "story",
                                     "hfjobs-environment": "default", "hfjobs-name": "stray"})
    stale = cli.run("apply", "plan.json", code=1)
    assert "plan is stale: the jobs on the Hub changed" in stale.stderr

    cli.run("plan", "--out", "plan.json")
    assert "Apply complete: 4 succeeded" in cli.run("apply", "plan.json").stdout
    assert sorted(scheduled_by_name(api)) == ["nightly", "train"]
    scan_for_secrets(cli, tmp_path)


def test_exit_codes(cli: Cli) -> None:
    assert cli.run("plan", "--detailed-exitcode", code=2).returncode == 2
    assert cli.run("plan", "--format", "nonsense", "--detailed-exitcode", code=1).returncode == 1
    assert cli.run("plan", "--no-such-flag", code=1).returncode == 1
    cli.write("jobs/bad.yaml", "apiVersion: hfjobs/v1\nname: Bad_Name\n")
    bad = cli.run("plan", "--detailed-exitcode", code=1)
    assert "jobs/bad.yaml:2:7: error: name:" in bad.stderr
    (cli.root / "jobs/bad.yaml").unlink()
    cli.env["HF_TOKEN"] = ""
    no_token = cli.run("plan", code=1)
    assert "hf auth login" in no_token.stderr


def test_missing_secret_variable_fails_before_any_change(cli: Cli, api: HfApi) -> None:
    del cli.env["WANDB_API_KEY"]
    # Plan needs no secret value: it says what apply will read, and what is not set here.
    planned = cli.run("plan", "--detailed-exitcode", code=2).stdout
    assert "$WANDB_API_KEY  nightly (jobs/nightly.yaml:1)  (not set here: apply needs it)" in planned
    assert "$HF_TOKEN       nightly (jobs/nightly.yaml:1)\n" in planned
    as_json = json.loads(cli.run("plan", "--format", "json").stdout)
    assert as_json["unset_at_plan"] == ["$WANDB_API_KEY"]
    assert {"job": "nightly", "name": "WANDB_API_KEY", "variable": "$WANDB_API_KEY",
            "source": "jobs/nightly.yaml:1"} in as_json["secret_reads"]
    assert "`$WANDB_API_KEY` for `nightly` (jobs/nightly.yaml:1) ⚠️ not set" in cli.run(
        "plan", "--format", "markdown").stdout
    # A plan saved where the variable was missing applies where it is set.
    cli.run("plan", "--out", "plan.json")
    failed = cli.run("apply", "--auto-approve", code=1)
    assert ("nightly (jobs/nightly.yaml:1): secret WANDB_API_KEY reads $WANDB_API_KEY, which is not set"
            in failed.stderr)
    assert not scheduled_by_name(api) and not list(api.list_jobs(namespace="acme"))
    cli.env["WANDB_API_KEY"] = SECRET
    assert "Apply complete: 3 succeeded" in cli.run("apply", "plan.json").stdout


def test_markdown_plan_for_pull_requests(cli: Cli) -> None:
    markdown = cli.run("plan", "--format", "markdown").stdout
    assert markdown.startswith("<!-- hfjobs-spec plan: ")
    assert markdown.count("\n+ create ") == 3  # one green overview line per job
    assert markdown.count("<details>") == 3 and "**Plan: 3 to create" in markdown


def test_ctrl_c_stops_new_changes_and_a_rerun_converges(cli: Cli, hub: LocalHub, api: HfApi) -> None:
    for index in range(8):
        cli.write(f"jobs/extra{index}.yaml", f"""\
            apiVersion: hfjobs/v1
            name: extra{index}
            schedule: "@hourly"
            image: busybox
            command: ["true"]
            """)
    hub.faults.add({"route": "POST /api/scheduled-jobs/{ns}", "mode": "latency", "ms": 400})
    process = subprocess.Popen([sys.executable, "-m", "hfjobs_spec", "apply", "--auto-approve", "--parallelism", "1"],
                               cwd=cli.root, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first_line = process.stdout.readline()  # the plan is printed first; wait for the first finished change
    while first_line and not first_line.startswith("done"):
        first_line = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert "Apply interrupted" in out and "Not started:" in out
    made = sum(len(ids) for ids in scheduled_by_name(api).values())
    assert 1 <= made < 10
    hub.faults.clear()
    cli.run("apply", "--auto-approve")
    assert all(len(ids) == 1 for ids in scheduled_by_name(api).values())
    assert len(scheduled_by_name(api)) == 10
    assert cli.run("plan", "--detailed-exitcode").returncode == 0


def test_apply_survives_commit_then_fail_and_drops(cli: Cli, hub: LocalHub, api: HfApi) -> None:
    hub.faults.add({"route": "POST /api/scheduled-jobs/{ns}", "mode": "commit-then-fail", "count": 1})
    hub.faults.add({"route": "POST /api/jobs/{ns}", "mode": "commit-then-drop", "count": 1})
    hub.faults.add({"route": "GET /api/scheduled-jobs/{ns}", "mode": "rate-limit", "retry_after": 0, "count": 1})
    cli.run("apply", "--auto-approve")
    assert all(len(ids) == 1 for ids in scheduled_by_name(api).values())
    assert len(list(api.list_jobs(namespace="acme"))) == 1
    assert cli.run("plan", "--detailed-exitcode").returncode == 0


def test_local_mode_needs_no_account(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    env = user_env(tmp_path)
    del env["HF_HUB_DISABLE_TELEMETRY"]  # --local must not depend on the user having set it
    cli = Cli(root, env)
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: local-demo\n")
    cli.write("jobs/a.yaml", """\
        apiVersion: hfjobs/v1
        name: hello
        schedule: "@daily"
        image: python:3.12
        command: [python, -c, "print('hi')"]
        secrets: [HF_TOKEN, WANDB_API_KEY]
        """)
    cli.run("--local", "apply", "--auto-approve")
    assert (root / ".hfjobs" / ".gitignore").read_text().strip().endswith("*")
    assert cli.run("--local", "plan", "--detailed-exitcode").returncode == 0
    status = cli.run("status", "--local").stdout
    assert "hello" in status and "@daily" in status
    # State survives between invocations: the same job, not a second one, after another apply.
    cli.run("--local", "apply", "--auto-approve")
    assert "No changes." in cli.run("--local", "plan").stdout
    # The embedded Hub keeps its state on disk, but never a secret value.
    for path in (root / ".hfjobs").iterdir():
        assert SECRET.encode() not in path.read_bytes()
    scan_for_secrets(cli, tmp_path)
