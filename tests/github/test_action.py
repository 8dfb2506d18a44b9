"""The action end to end: action.yml's steps in bash as GitHub runs them, a stand-in `gh`, localhub."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.github.harness import GH_TOKEN, REPO, Runner, StepsRun, pull_request_event

TOKEN = "hf_actiontesttoken0123456789abcdefghij"
WANDB = "wandb-secret-value-0123456789abcdef"
NIGHTLY = """\
    # yaml-language-server: $schema=../schemas/job.schema.json
    apiVersion: hfjobs/v1
    name: nightly
    schedule: "0 3 * * *"
    image: python:3.12
    command: [python, -c, "print(1)"]
    secrets: [HF_TOKEN, WANDB_API_KEY]
    """


@pytest.fixture
def hub() -> Iterator[LocalHub]:
    with LocalHub(user="alice", orgs=("acme",)) as running:
        yield running


@pytest.fixture
def runner(tmp_path: Path, hub: LocalHub) -> Runner:
    runner = Runner(tmp_path, hub.url)
    write(runner, "hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: demo\nnamespace: acme\n")
    write(runner, "jobs/nightly.yaml", NIGHTLY)
    return runner


def write(runner: Runner, relative: str, text: str) -> None:
    path = runner.workspace / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def assert_secrets_hidden(runner: Runner, run: StepsRun, *secrets: str) -> None:
    """Every secret was masked with ::add-mask:: and appears in nothing else GitHub would show or keep."""
    for secret in secrets:
        assert f"::add-mask::{secret}" in run.log
        shown = [line for line in run.log.splitlines() if not line.startswith("::add-mask::")]
        kept = [*shown, run.summary, run.exported, json.dumps(run.outputs), json.dumps(runner.gh_calls()),
                json.dumps(runner.state())]
        kept += [p.read_text() for p in runner.root.glob("temp-*/*.json")]
        assert not any(secret in text for text in kept), secret


def plan_comments(runner: Runner, number: int = 7) -> list[dict[str, str]]:
    comments: list[dict[str, str]] = runner.state().get("comments", {}).get(str(number), [])
    return comments


def test_a_broken_manifest_becomes_annotations(runner: Runner) -> None:
    write(runner, "jobs/bad.yaml", "apiVersion: hfjobs/v1\nname: bad\nimage: python:3.12\nflavor: gpu-huge\n")
    run = runner.run_action({"command": "validate"}, event_name="pull_request", event=pull_request_event())
    assert run.code == 1
    assert "::error file=jobs/bad.yaml,line=4,col=9,title=hfjobs-spec%3A flavor::" in run.log
    assert run.outputs["exit-code"] == "1" and "invalid" in run.outputs["summary"]
    assert "jobs/bad.yaml:4:9: error: flavor:" in run.summary
    # The install step installs the action's own checkout, not the user's repository.
    assert runner.pip_log.read_text().split()[-1] == str(REPO)


def test_one_living_plan_comment_created_edited_then_showing_the_failure(runner: Runner) -> None:
    event = pull_request_event()
    first = runner.run_action({"hf-token": TOKEN}, event_name="pull_request", event=event)
    assert first.code == 0, first.log
    assert first.outputs["exit-code"] == "2" and first.outputs["has-changes"] == "true"
    assert first.outputs["summary"] == "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete."
    assert json.loads(Path(first.outputs["plan-json"]).read_text())["summary"]["create"] == 1
    assert f"HFJOBS_PLAN_JSON={first.outputs['plan-json']}" in first.exported
    [comment] = plan_comments(runner)
    body = comment["body"]
    assert body.startswith("<!-- hfjobs-spec plan: demo/default -->")
    assert "+ create  scheduled_job nightly" in body and "made at commit `feedfacecafe`" in body
    assert "(https://github.com/acme/hfjobs-demo/actions/runs/1)" in body
    # Only HF_TOKEN is set: the plan succeeds and says WANDB_API_KEY is needed at apply.
    assert "`$WANDB_API_KEY` for `nightly` (jobs/nightly.yaml:2) ⚠️ not set here: apply needs it" in body
    assert "<!-- hfjobs-spec plan: demo/default -->" in first.summary and "The plan in full (text)" in first.summary
    assert all(call["token"] == GH_TOKEN for call in runner.gh_calls())

    second = runner.run_action({"hf-token": TOKEN}, event_name="pull_request", event=event, run_id=2)
    assert second.code == 0
    [comment] = plan_comments(runner)  # still one comment, edited in place
    assert "actions/runs/2" in comment["body"]
    assert [c["method"] for c in runner.gh_calls() if c["body"] is not None] == ["POST", "PATCH"]

    write(runner, "jobs/nightly.yaml", NIGHTLY.replace('schedule: "0 3 * * *"', "schedule: every day"))
    third = runner.run_action({"hf-token": TOKEN}, event_name="pull_request", event=event, run_id=3)
    assert third.code == 1 and third.outputs["exit-code"] == "1"
    assert "::error file=jobs/nightly.yaml,line=4" in third.log
    [comment] = plan_comments(runner)
    assert "❌ **Plan failed.**" in comment["body"] and "jobs/nightly.yaml:4" in comment["body"]
    assert "+ create" not in comment["body"]  # the stale plan is gone
    for run in (first, second, third):
        assert_secrets_hidden(runner, run, TOKEN)


def test_a_fork_pull_request_is_validated_and_the_plan_skipped_with_the_reason(runner: Runner) -> None:
    runner.set_state({"fail": ["POST repos/acme/hfjobs-demo/issues/7/comments"]})  # a fork's read-only token
    run = runner.run_action({}, event_name="pull_request", event=pull_request_event(fork=True))
    assert run.code == 0, run.log
    assert "pull requests from forks get no secrets" in run.summary
    assert "::warning title=hfjobs-spec::Plan skipped" in run.log
    assert "::warning title=hfjobs-spec::could not comment on pull request #7 (a pull request from a fork" in run.log
    assert run.outputs["has-changes"] == "" and run.outputs["summary"].startswith("Plan skipped")
    runner.set_state({})
    run = runner.run_action({}, event_name="pull_request", event=pull_request_event(fork=True), run_id=2)
    [comment] = plan_comments(runner)
    assert "⏭️ **Plan skipped:** pull requests from forks get no secrets" in comment["body"]


def test_apply_then_the_drift_issue_opened_updated_and_closed(runner: Runner, hub: LocalHub) -> None:
    api = HfApi(endpoint=hub.url, token=TOKEN)
    push: dict[str, object] = {"ref": "refs/heads/main"}
    refused = runner.run_action({"command": "apply", "hf-token": TOKEN}, event_name="push", event=push)
    assert refused.code == 1 and "WANDB_API_KEY" in refused.log  # refused before any change
    assert not list(api.list_scheduled_jobs(namespace="acme"))
    runner.secrets_env["WANDB_API_KEY"] = WANDB
    applied = runner.run_action({"command": "apply", "hf-token": TOKEN}, event_name="push", event=push, run_id=2)
    assert applied.code == 0, applied.log
    assert applied.outputs["exit-code"] == "2" and "✅ Applied." in applied.outputs["summary"]
    assert "**✅ Applied.**" in applied.summary and "Apply output" in applied.summary
    assert_secrets_hidden(runner, applied, TOKEN, WANDB)
    del runner.secrets_env["WANDB_API_KEY"]

    calm = runner.run_action({"command": "drift", "hf-token": TOKEN}, event_name="schedule", run_id=3)
    assert calm.code == 0 and calm.outputs["exit-code"] == "0" and not runner.state().get("issues")

    [job] = api.list_scheduled_jobs(namespace="acme")
    api.suspend_scheduled_job(scheduled_job_id=job.id, namespace="acme")
    for run_id in (4, 5):
        drifted = runner.run_action({"command": "drift", "hf-token": TOKEN}, event_name="schedule", run_id=run_id)
        assert drifted.code == 0 and drifted.outputs["exit-code"] == "2" and drifted.outputs["has-changes"] == "true"
        [issue] = runner.state()["issues"]
        assert issue["state"] == "open" and issue["body"].startswith("<!-- hfjobs-spec drift: demo/default -->")
        assert "suspend: Hub true, git false" in issue["body"] and f"actions/runs/{run_id}" in issue["body"]
    assert [c["method"] for c in runner.gh_calls() if c["body"] is not None] == ["POST", "PATCH"]

    runner.secrets_env["WANDB_API_KEY"] = WANDB
    assert runner.run_action({"command": "apply", "hf-token": TOKEN}, event_name="push", run_id=6).code == 0
    del runner.secrets_env["WANDB_API_KEY"]
    fixed = runner.run_action({"command": "drift", "hf-token": TOKEN}, event_name="schedule", run_id=7)
    assert fixed.code == 0 and fixed.outputs["exit-code"] == "0"
    [issue] = runner.state()["issues"]
    assert issue["state"] == "closed"
    [closing] = runner.state()["comments"][str(issue["number"])]
    assert "The Hub matches git again" in closing["body"] and "actions/runs/7" in closing["body"]
    assert_secrets_hidden(runner, fixed, TOKEN)
