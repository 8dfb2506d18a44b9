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
    assert f'import: {{id: "{existing}"}}' in text
    data = json.loads(cli.run("plan", "--format", "json").stdout)
    assert [(c["name"], c["live_ids"]) for c in data["conflicts"]] == [("weekly-report", [existing])]
    markdown = cli.run("plan", "--format", "markdown").stdout
    assert "Look-alikes" in markdown and existing in markdown
    cli.run("plan", "--out", "plan.json")  # the conflicts are part of the saved plan and compared whole
    cli.run("apply", "--auto-approve", "plan.json")


def test_import_by_name_adopts_the_job_in_place_and_validate_suggests_removing_it(cli: Cli, api: HfApi) -> None:
    existing = made_by_hand(api)
    cli.write("jobs/weekly.yaml", WEEKLY + "import: {name: weekly-report}\n")
    text = cli.run("plan", "--detailed-exitcode", code=2).stdout
    assert f"# scheduled_job weekly-report in acme [{existing}] will be imported" in text
    assert ' <= scheduled_job "weekly-report"' in text and "look-alike" not in text
    assert "Plan: 1 to import, 0 to create, 0 to update, 0 to replace, 0 to delete." in text
    cli.run("plan", "--out", "plan.json")
    cli.run("apply", "--auto-approve", "plan.json")
    [job] = api.list_scheduled_jobs(namespace="acme")  # one job only: the same one, now managed
    assert job.id == existing
    assert (job.job_spec.labels or {})["hfjobs-project"] == "reports"
    assert "No changes." in cli.run("plan", "--detailed-exitcode").stdout  # the `import` key is inert now
    checked = cli.run("validate")  # a warning, not an error: exit 0
    assert "jobs/weekly.yaml:1:1: warning: import: weekly-report: `import` adopts the job" in checked.stdout
    assert "remove it" in checked.stdout and "1 job valid" in checked.stdout
    assert json.loads(cli.run("validate", "--format", "json").stdout)["warnings"][0]["field"] == "import"


def test_import_of_a_missing_id_is_an_error_at_the_manifest(cli: Cli, api: HfApi) -> None:
    cli.write("jobs/weekly.yaml", WEEKLY + "import: {id: \"0123456789abcdef01234567\"}\n")
    failed = cli.run("plan", code=1)
    assert "jobs/weekly.yaml:1: import: no job or scheduled job 0123456789abcdef01234567 in namespace acme" \
        in failed.stderr
    assert list(api.list_scheduled_jobs(namespace="acme")) == []
