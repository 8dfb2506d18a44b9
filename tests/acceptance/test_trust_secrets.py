"""Secret values never reach any output, even when a user's input carries them into a message.

The real CLI against localhub; every stdout and stderr is scanned, `--debug` included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import SECRET, TOKEN, Cli, scan_for_secrets, user_env


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: secrets\nnamespace: acme\n")
    cli.write("jobs/train.yaml", """\
        apiVersion: hfjobs/v1
        name: train
        image: python:3.12
        command: [python, -c, "print(1)"]
        secrets: [WANDB_API_KEY]
        labels: {run: "{{ vars.run | default('one') }}"}
        """)
    return cli


@pytest.mark.parametrize("value", [TOKEN, SECRET])
@pytest.mark.parametrize("debug", [(), ("--debug",)])
def test_a_secret_value_echoed_back_in_an_error_is_masked(cli: Cli, value: str, debug: tuple[str, ...],
                                                          tmp_path: Path) -> None:
    cli.write("jobs/eval.yaml", """\
        apiVersion: hfjobs/v1
        name: eval
        image: python:3.12
        command: [python, -c, "print(2)"]
        flavor: "{{ vars.size }}"
        """)
    for command in ("validate", "render", "plan"):
        failed = cli.run(*debug, command, "--var", f"size={value}", code=1)
        shown = failed.stdout + failed.stderr
        assert "eval.yaml:5:9: error: flavor:" in shown
        assert "***" in shown or "the value is not" in shown  # masked, or never quoted
    scan_for_secrets(cli, tmp_path)


def test_a_secret_value_in_plan_output_is_masked(cli: Cli, api: HfApi, tmp_path: Path) -> None:
    planned = cli.run("plan", "--var", f"run={SECRET}", "--out", "plan.json")
    assert 'run: "***"' in planned.stdout or "***" in planned.stdout
    cli.run("plan", "--var", f"run={SECRET}", "--format", "json")
    cli.run("plan", "--var", f"run={SECRET}", "--format", "markdown")
    cli.run("apply", "--auto-approve", "--var", f"run={SECRET}")
    scan_for_secrets(cli, tmp_path)


def test_a_secret_of_a_job_that_fails_to_load_is_masked_too(cli: Cli, tmp_path: Path) -> None:
    other = "other-secret-value-9876543210"
    cli.env["OTHER_KEY"] = other
    cli.write("jobs/broken.yaml", """\
        apiVersion: hfjobs/v1
        name: broken
        image: python:3.12
        command: [python, -c, "print(3)"]
        secrets: [OTHER_KEY]
        timeout: forever
        """)
    cli.write("jobs/eval.yaml", """\
        apiVersion: hfjobs/v1
        name: eval
        image: python:3.12
        command: [python, -c, "print(2)"]
        flavor: "{{ vars.size }}"
        """)
    failed = cli.run("validate", "--var", f"size={other}", code=1)
    assert "eval.yaml:5:9: error: flavor: '***' is not a known flavor" in failed.stdout
    assert "broken.yaml" in failed.stdout
    assert all(other not in text for text in cli.outputs)
