"""Saved plans a person can read and replay: show, the hint after plan --out, the place a plan is for."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, scheduled_by_name, user_env


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", """\
        apiVersion: hfjobs/v1
        project: plans
        namespace: acme
        environments:
          prod: {vars: {tier: gold}}
        """)
    cli.write("jobs/nightly.yaml", """\
        apiVersion: hfjobs/v1
        name: nightly
        schedule: "@daily"
        image: python:3.12
        command: [python, -c, "print('{{ vars.size | default(1) }}')"]
        labels: {tier: "{{ vars.tier | default('basic') }}"}
        """)
    return cli


def test_show_renders_a_saved_plan_without_the_hub(cli: Cli, hub: LocalHub) -> None:
    cli.run("plan", "--out", "plan.json")
    url = hub.url
    hub.stop()  # show needs no Hub
    text = cli.run("show", "plan.json").stdout
    assert f"made against {url}, namespaces acme" in text and '+ scheduled_job "nightly"' in text
    assert json.loads(cli.run("show", "plan.json", "--format", "json").stdout) == json.loads(
        (cli.root / "plan.json").read_text())
    assert "<!-- hfjobs-spec plan: plans/default -->" in cli.run("show", "plan.json", "--format", "markdown").stdout
    (cli.root / "bad.json").write_text("{}")
    assert "is not a plan file" in cli.run("show", "bad.json", code=1).stderr


def test_the_hint_after_plan_out_repeats_the_options_that_made_it(cli: Cli, api: HfApi) -> None:
    planned = cli.run("-E", "prod", "plan", "--var", "size=3", "--out", "plan.json").stdout
    hint = planned.rstrip().splitlines()[-1]
    command = hint.split("Apply exactly this plan with: ", 1)[1]
    assert command == "hfjobs-spec -E prod --var size=3 apply plan.json"
    args = shlex.split(command)[1:]
    assert "Apply complete: 1 succeeded" in cli.run(*args).stdout
    (job,) = api.list_scheduled_jobs(namespace="acme")
    assert (job.job_spec.labels or {}).get("tier") == "gold" and "print('3')" in " ".join(job.job_spec.command or ())


def test_a_plan_for_another_hub_or_namespace_is_refused_by_name(cli: Cli, tmp_path: Path, api: HfApi) -> None:
    cli.run("plan", "--out", "plan.json")
    with LocalHub(user="alice", orgs=("acme",)) as elsewhere:
        cli.env["HF_ENDPOINT"] = elsewhere.url
        refused = cli.run("apply", "plan.json", code=1)
        assert f"the plan was made against {cli_hub_url(cli, tmp_path)}" in refused.stderr
        assert f"not {elsewhere.url}" in refused.stderr
    cli.env["HF_ENDPOINT"] = cli_hub_url(cli, tmp_path)
    cli.write("hfjobs.yaml", (cli.root / "hfjobs.yaml").read_text().replace("namespace: acme", "namespace: other"))
    refused = cli.run("apply", "plan.json", code=1)
    assert "the plan was made for namespaces acme, not other" in refused.stderr
    assert not scheduled_by_name(api)


def test_apply_reports_json_on_stdout(cli: Cli) -> None:
    done = cli.run("apply", "--auto-approve", "--format", "json")
    report = json.loads(done.stdout)
    assert report["ok"] and report["summary"]["create"] == 1
    assert report["results"][0]["name"] == "nightly" and report["results"][0]["created"]
    assert "done    scheduled_job nightly" in done.stderr
    again = json.loads(cli.run("apply", "--auto-approve", "--format", "json").stdout)
    assert again["ok"] and again["results"] == [] and again["summary"]["noop"] == 1


def cli_hub_url(cli: Cli, tmp_path: Path) -> str:
    return str(json.loads((cli.root / "plan.json").read_text())["hub"])
