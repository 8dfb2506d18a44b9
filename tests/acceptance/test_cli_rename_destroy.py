"""Renames, destroy and other tools' jobs, end to end: jobs made first with the real `hf` CLI (issue 10)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env

PROJECT = "apiVersion: hfjobs/v1\nproject: reports\nnamespace: acme\nforeign_label_prefixes: [svc-]\n" \
          "environments: {staging: {}}\n"
WEEKLY = """\
    apiVersion: hfjobs/v1
    name: weekly-report
    schedule: "@weekly"
    image: python:3.12
    command: [python, -c, "print(1)"]
    """
SMOKE = """\
    apiVersion: hfjobs/v1
    name: smoke
    image: python:3.12
    command: [python, -c, "print(2)"]
    """


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN,
                                          HF_HUB_DISABLE_UPDATE_CHECK="1"))
    cli.write("hfjobs.yaml", PROJECT)
    return cli


def hf(cli: Cli, *args: str) -> str:
    """The real `hf` CLI of huggingface_hub, as a person on the same Hub runs it; returns the new id."""
    done = subprocess.run([str(Path(sys.executable).parent / "hf"), "jobs", *args], env=cli.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return next(line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.strip().startswith("id:"))


def labels_of(api: HfApi) -> dict[str, dict[str, str]]:
    found = {job.id: dict(job.job_spec.labels or {}) for job in api.list_scheduled_jobs(namespace="acme")}
    found.update({run.id: dict(run.labels or {}) for run in api.list_jobs(namespace="acme")})
    return found


def test_a_rename_keeps_the_hub_id_of_a_job_made_with_hf(cli: Cli, api: HfApi) -> None:
    existing = hf(cli, "scheduled", "run", "--namespace", "acme", "--name", "weekly-report", "@weekly", "python:3.12",
                  "python", "-c", "print(1)")
    cli.write("jobs/weekly.yaml", WEEKLY + "import: {name: weekly-report}\n")
    cli.write("jobs/smoke.yaml", SMOKE)
    cli.run("apply", "--auto-approve")
    (run_id,) = [run.id for run in api.list_jobs(namespace="acme")]
    cli.write("jobs/weekly.yaml", WEEKLY.replace("name: weekly-report", "name: weekly-summary\n"
                                                 "    previous_names: [weekly-report]"))
    cli.write("jobs/smoke.yaml", SMOKE.replace("name: smoke", "name: smoke-test\n    previous_names: [smoke]"))
    text = cli.run("plan", "--detailed-exitcode", code=2).stdout
    assert f"# scheduled_job weekly-summary in acme [{existing}] will be updated in place" in text
    assert "# moved from weekly-report" in text and "# moved from smoke" in text
    assert "0 to create" in text and "0 to replace, 0 to delete; 2 renamed in place." in text
    cli.run("apply", "--auto-approve")
    labels = labels_of(api)
    assert set(labels) == {existing, run_id}  # same ids; no new job, no new run
    assert (labels[existing]["name"], labels[existing]["hfjobs-name"]) == ("weekly-summary", "weekly-summary")
    assert labels[run_id]["hfjobs-name"] == "smoke-test"
    assert "No changes." in cli.run("plan", "--detailed-exitcode").stdout  # previous_names is inert now
    assert "`previous_names` renames the job in place" in cli.run("validate").stdout


def test_destroy_leaves_no_managed_job_and_every_foreign_one(cli: Cli, api: HfApi) -> None:
    sandbox = hf(cli, "run", "-d", "--namespace", "acme", "--name", "smoke", "--label", "hf-sandbox=1", "--label",
                 "hf-sandbox-mode=dedicated", "python:3.12", "sleep", "600")
    service = hf(cli, "scheduled", "run", "--namespace", "acme", "--name", "weekly-report", "--label", "svc-owner=web",
                 "@daily", "python:3.12", "python", "-c", "print(3)")
    by_hand = hf(cli, "scheduled", "run", "--namespace", "acme", "--name", "cleanup", "@hourly", "python:3.12",
                 "python", "-c", "print(4)")
    cli.write("jobs/weekly.yaml", WEEKLY)
    cli.write("jobs/smoke.yaml", SMOKE.replace('"print(2)"', "sleep, '600'").replace("[python, -c, ", "["))
    text = cli.run("plan").stdout  # other tools' jobs of the same Hub name: foreign, never "import it"
    assert f"scheduled job {service} of another tool (label 'svc-owner')" in text
    assert f"job run {sandbox} of another tool (label 'hf-sandbox')" in text
    assert f'import: {{id: "{service}"}}' not in text
    cli.write("jobs/weekly.yaml", WEEKLY + "import: {name: weekly-report}\n")
    assert "belongs to another tool (label 'svc-owner')" in cli.run("plan", code=1).stderr
    cli.write("jobs/weekly.yaml", WEEKLY)
    cli.run("apply", "--auto-approve")
    cli.run("-E", "staging", "apply", "--auto-approve")
    mine = {job_id for job_id, labels in labels_of(api).items() if labels.get("hfjobs-environment") == "default"}
    assert len(mine) == 2
    refused = cli.run("destroy", code=1)  # not a terminal, no --auto-approve: nothing happens
    assert "refusing to destroy without confirmation" in refused.stderr
    cli.write("jobs/broken.yaml", "apiVersion: hfjobs/v1\nname: Broken!\n")  # destroy needs no valid manifest
    done = cli.run("destroy", "--auto-approve")
    assert "the manifests do not load" in done.stderr
    assert "Plan: 0 to create, 0 to update, 0 to replace, 2 to delete." in done.stdout
    assert "Destroy complete: 2 succeeded" in done.stdout
    after = labels_of(api)
    assert set(after) >= {sandbox, service, by_hand}  # foreign and unmanaged jobs untouched
    assert after[service] == {"name": "weekly-report", "svc-owner": "web"}
    assert [job.id for job in api.list_scheduled_jobs(namespace="acme") if job.id in mine] == []
    assert all(run.status.stage == "CANCELED" for run in api.list_jobs(namespace="acme") if run.id in mine)
    listed = api.list_jobs(namespace="acme", labels={"hfjobs-project": "reports", "hfjobs-environment": "default"})
    assert list(listed) == []  # the cancelled run is history now, out of the project's listing
    staging = [labels for labels in after.values() if labels.get("hfjobs-environment") == "staging"]
    assert len(staging) == 2  # another environment is never touched
    again = cli.run("destroy", "--auto-approve", "--format", "json")
    assert json.loads(again.stdout)["results"] == []

