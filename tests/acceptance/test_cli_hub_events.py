"""Network groups and `on: hub:` webhooks end to end: the CLI's entry point in-process, against localhub."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from huggingface_hub import HfApi, constants

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN
from tests.manifest.helpers import CliRun, run_main

WANDB = "wandb-value-never-shown-0123456789"
TRAIN = """\
    apiVersion: hfjobs/v1
    name: train
    image: python:3.12
    command: [python, -c, "print('train')"]
    secrets: [WANDB_API_KEY]
    on:
      hub:
        watched: [{type: dataset, name: acme/data}]
        domains: [repo]
    """


@pytest.fixture
def project(tmp_path: Path, hub: LocalHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("WANDB_API_KEY", WANDB)
    root = tmp_path / "repo"
    (root / "jobs").mkdir(parents=True)
    (root / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: events\nnamespace: alice\n")
    write(root, "keep", "apiVersion: hfjobs/v1\nname: keep\nimage: python:3.12\ncommand: [python, -V]\n")
    return root


def write(root: Path, name: str, text: str) -> None:
    (root / "jobs" / f"{name}.yaml").write_text(textwrap.dedent(text))


def cli(root: Path, *args: str, code: int = 0) -> CliRun:
    result = run_main(list(args), root)
    assert result.code == code, result.out + result.err
    assert WANDB not in result.out + result.err
    return result


def test_a_network_group_on_a_one_shot_job_and_its_refusal_on_a_scheduled_one(project: Path, api: HfApi) -> None:
    write(project, "workers", """\
        apiVersion: hfjobs/v1
        name: workers
        image: python:3.12
        command: [python, -c, "print('worker')"]
        network: {group: train-ring, aliases: [worker, master]}
        """)
    text = cli(project, "plan").out
    assert '+ network.group: "train-ring"' in text and '+ network.aliases: ["master", "worker"]' in text
    cli(project, "apply", "--auto-approve")
    (run,) = [job for job in api.list_jobs(namespace="alice") if (job.labels or {}).get("hfjobs-name") == "workers"]
    assert run.network is not None and (run.network.group, run.network.aliases) == ("train-ring", ["master", "worker"])
    assert "No changes." in cli(project, "plan").out
    write(project, "workers", """\
        apiVersion: hfjobs/v1
        name: workers
        schedule: "@daily"
        image: python:3.12
        command: [python, -c, "print('worker')"]
        network: {group: train-ring}
        """)
    refused = cli(project, "plan", code=1)
    assert ("jobs/workers.yaml:6:1: error: network: network groups are for one-shot jobs only: the Hub refuses them "
            "on scheduled jobs") in refused.err


def test_an_event_triggered_jobs_webhook_created_changed_left_alone_and_pruned(project: Path, api: HfApi) -> None:
    write(project, "train", TRAIN)
    text = cli(project, "plan").out
    assert "+ webhook will be created: the job also runs on these Hub changes" in text and "WANDB_API_KEY" in text
    cli(project, "apply", "--auto-approve")
    (hook,) = api.list_webhooks()
    (run,) = [job for job in api.list_jobs(namespace="alice") if (job.labels or {}).get("hfjobs-name") == "train"]
    assert hook.job is not None and (hook.job.labels or {}).get("hfjobs-name") == "train"
    assert hook.secret is not None and f"job={run.id}" in hook.secret and hook.domains == ["repo"]
    assert "No changes." in cli(project, "plan").out
    status = cli(project, "status").out
    assert "on hub: 1 watched" in status

    # Changed: watched and domains update the same webhook in place, through a saved plan.
    write(project, "train", TRAIN.replace("domains: [repo]", "domains: [repo, discussion]")
          .replace("acme/data", "acme/data-v2"))
    saved = project / "plan.json"
    shown = cli(project, "plan", "--out", str(saved)).out
    assert f"~ webhook [{hook.id}] will be updated in place" in shown
    change = json.loads(saved.read_text())["changes"][0]
    assert change["action"] == "update" and change["webhook"]["action"] == "update"
    assert [op["kind"] for op in change["operations"]] == ["update_webhook"]
    cli(project, "apply", "--auto-approve", str(saved))
    (updated,) = api.list_webhooks()
    assert updated.id == hook.id and updated.watched[0].name == "acme/data-v2"
    assert sorted(updated.domains) == ["discussion", "repo"]

    # Left alone: a webhook made by hand, even one that starts our run, is never changed or deleted.
    theirs = api.create_webhook(job_id=run.id, watched=[{"type": "model", "name": "acme/m"}], secret="their-own")
    assert "No changes." in cli(project, "plan").out

    # Pruned: the manifest goes, and its webhook with it; theirs stays.
    (project / "jobs" / "train.yaml").unlink()
    text = cli(project, "plan").out
    assert f"- webhook [{hook.id}] will be deleted: not declared any more" in text
    cli(project, "apply", "--auto-approve")
    assert [h.id for h in api.list_webhooks()] == [theirs.id]
    assert "No changes." in cli(project, "plan").out


def test_on_hub_is_refused_on_a_scheduled_job(project: Path) -> None:
    write(project, "train", TRAIN.replace("name: train\n", "name: train\n    schedule: '@daily'\n"))
    refused = cli(project, "validate", code=1)
    assert "jobs/train.yaml:7:1: error: on: `on: hub:` is for one-shot jobs only" in refused.out + refused.err
