"""`drift` against localhub: hand-made changes show, git-ahead changes do not, and apply clears them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, scan_for_secrets, scheduled_by_name, user_env


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    env = user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN)
    del env["WANDB_API_KEY"]  # drift needs no secret value
    cli = Cli(tmp_path / "repo", env)
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: drifty\nnamespace: acme\n")
    cli.write("jobs/nightly.yaml", """\
        apiVersion: hfjobs/v1
        name: nightly
        schedule: "0 3 * * *"
        image: python:3.12
        command: [python, -c, "print(1)"]
        secrets: [WANDB_API_KEY]
        """)
    return cli


def test_drift_shows_hand_edits_and_copies_and_clears_after_apply(cli: Cli, api: HfApi, tmp_path: Path) -> None:
    assert "No drift" in cli.run("drift").stdout  # nothing applied yet: git is ahead, that is not drift
    assert json.loads(cli.run("drift", "--format", "json").stdout)["not_applied"] == ["nightly"]
    cli.env["WANDB_API_KEY"] = "wandb-value-for-apply-0123"
    cli.run("apply", "--auto-approve")
    del cli.env["WANDB_API_KEY"]
    assert cli.run("drift").stdout.startswith("No drift")

    [job_id] = scheduled_by_name(api)["nightly"]
    api.suspend_scheduled_job(scheduled_job_id=job_id, namespace="acme")
    api.create_scheduled_job(image="python:3.12", command=["true"], schedule="@daily", namespace="acme",
                             labels={"name": "nightly"})
    found = json.loads(cli.run("drift", "--format", "json", code=2).stdout)
    assert found["counts"] == {"deleted": 0, "edited": 1, "duplicate": 0, "unmanaged": 1}
    edited = found["items"][0]
    assert edited["kind"] == "edited" and edited["live_id"] == job_id
    assert {"field": "suspend", "hub": True, "git": False} in edited["fields"]
    text = cli.run("drift", code=2).stdout
    assert "! edited    scheduled_job nightly in acme" in text and "suspend: Hub true, git false" in text
    markdown = cli.run("drift", "--format", "markdown", code=2).stdout
    assert markdown.startswith("<!-- hfjobs-spec drift: drifty/default -->") and "```diff" in markdown

    cli.env["WANDB_API_KEY"] = "wandb-value-for-apply-0123"
    cli.run("apply", "--auto-approve")  # sets the suspend back; the unmanaged copy is never touched
    left = json.loads(cli.run("drift", "--format", "json", code=2).stdout)
    assert [item["kind"] for item in left["items"]] == ["unmanaged"]
    for job in api.list_scheduled_jobs(namespace="acme"):
        if "hfjobs-managed-by" not in (job.job_spec.labels or {}):
            api.delete_scheduled_job(scheduled_job_id=job.id, namespace="acme")
    cli.run("drift")
    scan_for_secrets(cli, tmp_path)
