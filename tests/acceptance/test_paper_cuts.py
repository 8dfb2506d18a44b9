"""The first-day paper cuts, each as a user meets it: the CLI against localhub (in-process; Ctrl-C is
in test_cli_interrupts.py, --help in tests/unit/test_cli_help.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from huggingface_hub import HfApi, constants

from hfjobs_spec.flavors import GPU_FAMILIES
from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, InProcessCli, scheduled_by_name, user_env

JOB = """\
apiVersion: hfjobs/v1
name: {name}
schedule: "@daily"
image: busybox
command: [echo, "{{{{ vars.model }}}}"]
"""


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    cli = InProcessCli(tmp_path / "repo", user_env(tmp_path))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: cuts\nnamespace: acme\nvars: {model: gpt2}\n")
    cli.write("jobs/nightly.yaml", JOB.format(name="nightly"))
    cli.write("jobs/weekly.yaml", JOB.format(name="weekly"))
    return cli


def errors_of(cli: Cli, *args: str) -> str:
    done = cli.run(*args, code=1)
    return done.stdout + done.stderr


def test_list_shorthand_means_the_same_with_or_without_defaults(cli: Cli) -> None:
    cli.write("jobs/lists.yaml", "apiVersion: hfjobs/v1\nname: lists\nimage: busybox\ncommand: ['true']\n"
                                 "env: [A, B]\nlabels: [team]\n")
    expected = ("jobs/lists.yaml:5:6: error: env: must be a mapping, not a list",
                "jobs/lists.yaml:6:9: error: labels: must be a mapping, not a list")
    without = errors_of(cli, "plan")
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: cuts\nnamespace: acme\nvars: {model: gpt2}\n"
                             "defaults: {env: {X: '1'}, labels: {tier: a}}\n")
    with_defaults = errors_of(cli, "plan")
    for output in (without, with_defaults):
        assert all(line in output for line in expected) and "$team" not in output and "$A" not in output


def test_schedules_the_hub_refuses_are_refused_before_the_hub(cli: Cli, api: HfApi) -> None:
    cli.write("jobs/nightly.yaml", JOB.format(name="nightly").replace("@daily", "0 0 L * *"))
    assert "schedule: '0 0 L * *' is not a schedule the Hub accepts: day of month field 'L'" in errors_of(cli, "plan")
    cli.write("jobs/nightly.yaml", JOB.format(name="nightly").replace("@daily", "0 25 * * *"))
    assert "hour field '25': 25 is out of range (0-23)" in errors_of(cli, "apply", "--auto-approve")
    cli.write("jobs/nightly.yaml", JOB.format(name="nightly").replace('"@daily"', "*/5 * * * *"))
    assert 'must be quoted (YAML reads *NAME as an alias): e.g. "*/5 * * * *"' in errors_of(cli, "validate")
    assert scheduled_by_name(api) == {}  # nothing reached the Hub


def test_names_the_manifests_do_not_have(cli: Cli) -> None:
    assert "--replace nighty: no such job in the manifests or on the Hub; did you mean 'nightly'?" in errors_of(
        cli, "plan", "--replace", "nighty")
    assert "--target weakly: no such job in the manifests or on the Hub; did you mean 'weekly'?" in errors_of(
        cli, "apply", "--target", "weakly", "--auto-approve")
    targeted = cli.run("plan", "--target", "weekly").stdout
    assert "Only the --target jobs were planned; 1 other job left out: nightly." in targeted
    assert json.loads(cli.run("plan", "--target", "weekly", "--format", "json").stdout)["left_out"] == ["nightly"]


def test_an_unused_var_warns_and_flavors_read_as_people_type_them(cli: Cli) -> None:
    done = cli.run("--var", "modle=gpt2-large", "plan")
    assert "warning: --var modle: no template of the project uses vars.modle; did you mean 'model'?" in done.stderr
    assert "warning" not in cli.run("--var", "model=gpt2-large", "plan").stderr
    for typed, says in (("A100", "did you mean 'a100-large' (the smallest a100 flavor)?"),
                        ("t4", "did you mean 't4-small' (the smallest t4 flavor)?"),
                        ("h100", "h100 GPUs are not offered for Jobs; the GPUs are t4 (t4-small and up)")):
        cli.write("jobs/weekly.yaml", JOB.format(name="weekly") + f"flavor: {typed}\n")
        output = errors_of(cli, "plan")
        assert f"jobs/weekly.yaml:6:9: error: flavor: '{typed}' is not a known flavor; {says}" in output
    assert all(family in output for family in GPU_FAMILIES)


def test_a_saved_plan_applied_elsewhere_is_refused_by_name(cli: Cli, api: HfApi) -> None:
    cli.run("plan", "--out", "plan.json")
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: cuts\nnamespace: other\nvars: {model: gpt2}\n")
    output = errors_of(cli, "apply", "plan.json")
    assert "acme" in output and "other" in output
    assert errors_of(cli, "--local", "apply", "plan.json").count("local (embedded)") >= 1
    assert scheduled_by_name(api) == {}
