"""Adopting jobs made without the tool, through the real CLI against localhub (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env

WEEKLY = """\
    apiVersion: hfjobs/v1
    name: weekly-report
    schedule: "@weekly"
    image: python:3.12
    command: [python, -c, "print('report')"]
    """


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: reports\nnamespace: acme\n")
    return cli


def made_by_hand(api: HfApi) -> str:
    """The job a team already has, made as `hf jobs scheduled run "@weekly" --name weekly-report` makes it."""
    job = api.create_scheduled_job(image="python:3.12", command=["python", "-c", "print('report')"],
                                   schedule="@weekly", namespace="acme", labels={"name": "weekly-report"})
    return job.id


def test_plan_warns_about_a_lookalike_and_names_its_id(cli: Cli, api: HfApi) -> None:
    existing = made_by_hand(api)
    cli.write("jobs/weekly.yaml", WEEKLY)
    text = cli.run("plan", "--detailed-exitcode", code=2).stdout
    assert "will be created" in text
    assert f"! look-alike: unmanaged scheduled job {existing} in acme" in text
    assert f"import: {{id: {existing}}}" in text
    data = json.loads(cli.run("plan", "--format", "json").stdout)
    assert [(c["name"], c["live_ids"]) for c in data["conflicts"]] == [("weekly-report", [existing])]
    markdown = cli.run("plan", "--format", "markdown").stdout
    assert "Look-alikes" in markdown and existing in markdown
    cli.run("plan", "--out", "plan.json")  # the conflicts are part of the saved plan and compared whole
    cli.run("apply", "--auto-approve", "plan.json")
