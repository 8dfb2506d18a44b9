"""Matrix manifests and script headers through the real CLI against localhub (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, scheduled_by_name, user_env

SWEEP = """\
    apiVersion: hfjobs/v1
    name: sweep
    schedule: "@daily"
    image: python:3.12
    command: [python, -c, "print('{{ matrix.model }} {{ matrix.lr }}')"]
    matrix:
      model: [{models}]
      lr: [1, 3]
    env: {{MODEL: "{{{{ matrix.model }}}}"}}
    """


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: sweeps\nnamespace: acme\n")
    return cli


def test_a_matrix_grows_and_shrinks_by_exactly_the_changed_combinations(cli: Cli, api: HfApi) -> None:
    cli.write("jobs/sweep.yaml", SWEEP.format(models="gpt2, llama"))
    cli.run("apply", "--auto-approve")
    before = scheduled_by_name(api)
    assert sorted(before) == ["sweep-gpt2-1", "sweep-gpt2-3", "sweep-llama-1", "sweep-llama-3"]

    cli.write("jobs/sweep.yaml", SWEEP.format(models="gpt2, llama, phi"))
    text = cli.run("plan", "--detailed-exitcode", code=2).stdout
    assert "## matrix jobs/sweep.yaml:1: 2 jobs of this manifest change" in text
    assert "Plan: 2 to create, 0 to update, 0 to replace, 0 to delete." in text
    assert "# matrix jobs/sweep.yaml:1: 2 jobs" in cli.run("plan", "--format", "markdown").stdout
    cli.run("apply", "--auto-approve")
    grown = scheduled_by_name(api)
    assert {name: grown[name] for name in before} == before  # the existing jobs are untouched
    assert sorted(set(grown) - set(before)) == ["sweep-phi-1", "sweep-phi-3"]

    cli.write("jobs/sweep.yaml", SWEEP.format(models="gpt2, phi"))
    text = cli.run("plan", "--detailed-exitcode", code=2).stdout
    assert "Plan: 0 to create, 0 to update, 0 to replace, 2 to delete." in text
    cli.run("apply", "--auto-approve")
    shrunk = scheduled_by_name(api)
    assert shrunk == {name: ids for name, ids in grown.items() if not name.startswith("sweep-llama")}
    assert "No changes." in cli.run("plan").stdout


def test_a_script_header_flavor_reaches_the_hub(cli: Cli, api: HfApi) -> None:
    cli.write("scripts/train.py", """\
        # /// script
        # dependencies = []
        # [tool.hf-jobs]
        # flavor = "t4-small"
        # timeout = "2h"
        # ///
        print("training")
        """)
    cli.write("jobs/train.yaml", "apiVersion: hfjobs/v1\nname: train\nscript: scripts/train.py\n")
    explained = cli.run("render", "--explain").stdout
    assert any(line.split()[:4] == ["flavor", '"t4-small"', "script", "header"] for line in explained.splitlines())
    cli.run("apply", "--auto-approve")
    (job,) = api.list_jobs(namespace="acme")
    assert job.flavor == "t4-small"
    assert "No changes." in cli.run("plan").stdout
