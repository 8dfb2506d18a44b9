"""Defaults: project < environment < manifest; mappings merge key-wise; misfits are skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfjobs_spec.errors import ManifestErrors
from tests.manifest.helpers import PROJECT_HEADER, messages, specs, write_project

PROJECT = PROJECT_HEADER + """\
defaults:
  image: python:3.12
  command: [python, -c, "print(1)"]
  flavor: t4-small
  timeout: 1h
  env: {A: project, B: project, NUM: 1.10}
  labels: {team: project, keep: "yes"}
  secrets: [HF_TOKEN, WANDB]
  suspend: true
  concurrency: true
  script_args: [--from-defaults]
  python: "3.11"
environments:
  prod:
    defaults:
      flavor: a10g-small
      env: {B: prod, C: prod}
      labels: {team: prod}
      secrets: {WANDB: $PROD_WANDB}
"""


def project(tmp_path: Path, **jobs: str) -> Path:
    files = {"scripts/run.py": "print('run')\n"}
    return write_project(tmp_path, {name: "apiVersion: hfjobs/v1\n" + body for name, body in jobs.items()},
                         project=PROJECT, files=files)


def test_an_image_job_takes_every_fitting_default(tmp_path: Path) -> None:
    spec = specs(project(tmp_path, a="name: a\n"))["a"]
    assert (spec.image, spec.command, spec.flavor, spec.timeout) == ("python:3.12", ("python", "-c", "print(1)"),
                                                                     "t4-small", 3600)
    assert spec.env_dict == {"A": "project", "B": "project", "NUM": "1.10"}
    assert spec.labels_dict == {"team": "project", "keep": "yes"}
    assert {ref.name: ref.reference() for ref in spec.secrets} == {"HF_TOKEN": "$HF_TOKEN", "WANDB": "$WANDB"}
    # Unscheduled, and not a script: the scheduled-only and script-only defaults are skipped.
    assert (spec.schedule, spec.suspend, spec.concurrency) == (None, False, False)
    assert (spec.script_args, spec.python) == ((), None)


def test_environment_defaults_override_project_defaults_key_by_key(tmp_path: Path) -> None:
    spec = specs(project(tmp_path, a="name: a\n"), environment="prod")["a"]
    assert spec.flavor == "a10g-small"
    assert spec.env_dict == {"A": "project", "B": "prod", "C": "prod", "NUM": "1.10"}
    assert spec.labels_dict == {"team": "prod", "keep": "yes"}
    assert {ref.name: ref.reference() for ref in spec.secrets} == {"HF_TOKEN": "$HF_TOKEN", "WANDB": "$PROD_WANDB"}


def test_the_manifest_wins_over_every_default(tmp_path: Path) -> None:
    body = """\
name: a
flavor: cpu-basic
env: {B: own, NUM: own-text}
labels: {team: own}
secrets: {HF_TOKEN: $OTHER_TOKEN}
"""
    spec = specs(project(tmp_path, a=body), environment="prod")["a"]
    assert spec.flavor == "cpu-basic"
    assert spec.env_dict == {"A": "project", "B": "own", "C": "prod", "NUM": "own-text"}
    assert spec.labels_dict == {"team": "own", "keep": "yes"}
    assert {ref.name: ref.source for ref in spec.secrets} == {"HF_TOKEN": "OTHER_TOKEN", "WANDB": "PROD_WANDB"}


def test_a_script_job_skips_image_and_command_defaults_but_takes_script_ones(tmp_path: Path) -> None:
    spec = specs(project(tmp_path, s="name: s\nscript: scripts/run.py\n"))["s"]
    assert spec.command is None
    assert spec.image == "ghcr.io/astral-sh/uv:python3.12-bookworm"
    assert (spec.script_args, spec.python) == (("--from-defaults",), "3.11")


def test_a_script_job_keeps_its_own_image(tmp_path: Path) -> None:
    spec = specs(project(tmp_path, s="name: s\nscript: scripts/run.py\nimage: my/uv:1\n"))["s"]
    assert spec.image == "my/uv:1"


def test_a_scheduled_job_takes_suspend_and_concurrency_defaults(tmp_path: Path) -> None:
    spec = specs(project(tmp_path, s="name: s\nschedule: '@daily'\n"))["s"]
    assert (spec.schedule, spec.suspend, spec.concurrency) == ("@daily", True, True)
    spec = specs(project(tmp_path, s="name: s\nschedule: '@daily'\nsuspend: false\n"))["s"]
    assert (spec.suspend, spec.concurrency) == (False, True)


def test_a_job_of_its_own_shape_still_gets_misfit_errors(tmp_path: Path) -> None:
    """Defaults that don't fit are dropped silently; the same field written in the manifest is an error."""
    found = messages(project(tmp_path, a="name: a\nsuspend: false\npython: '3.12'\n"))
    assert found == [
        "jobs/a.yaml:3:1: error: suspend: `suspend` applies to scheduled jobs only (add a `schedule`)",
        "jobs/a.yaml:4:1: error: python: `python` applies to `script` jobs only",
    ]


def test_errors_in_defaults_point_into_the_project_file_once(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "a": "apiVersion: hfjobs/v1\nname: a\nimage: x\ncommand: [x]\n",
        "b": "apiVersion: hfjobs/v1\nname: b\nimage: x\ncommand: [x]\n",
    }, project=PROJECT_HEADER + "defaults:\n  labels: {hfjobs-x: y}\n  env: {WHO: '{{ vars.owner }}'}\n")
    assert messages(root) == [
        "hfjobs.yaml:4:12: error: labels.hfjobs-x: label key 'hfjobs-x' is reserved: hfjobs-spec sets 'name' "
        "and the 'hfjobs-*' labels itself",
        "hfjobs.yaml:5:14: error: env.WHO: undefined in template: 'dict object' has no attribute 'owner'",
    ]


def test_defaults_are_templates_rendered_for_each_job(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "a": "apiVersion: hfjobs/v1\nname: a\n",
        "b": "apiVersion: hfjobs/v1\nname: b\nflavor: cpu-upgrade\n",
    }, project=PROJECT_HEADER + """\
vars: {flavor: t4-small, n: 4}
defaults:
  image: python:3.12
  command: [echo, "{{ name }}"]
  flavor: "{{ vars.flavor }}"
  attempts: "{{ vars.n }}"
  labels: {job: "{{ name }}"}
""")
    loaded = specs(root)
    assert loaded["a"].command == ("echo", "a")
    assert (loaded["a"].flavor, loaded["b"].flavor) == ("t4-small", "cpu-upgrade")
    assert loaded["a"].attempts == 4
    assert loaded["b"].labels_dict == {"job": "b"}


def test_a_bad_templated_default_is_reported_against_the_project_file(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": "apiVersion: hfjobs/v1\nname: a\nimage: x\ncommand: [x]\n"},
                         project=PROJECT_HEADER + "vars: {f: gpu}\ndefaults:\n  flavor: '{{ vars.f }}'\n")
    assert messages(root) == ["hfjobs.yaml:5:11: error: flavor: 'gpu' is not a known flavor"]


def test_secret_list_and_mapping_forms_merge(tmp_path: Path) -> None:
    defaults = "defaults:\n  image: x\n  command: [x]\n  secrets: {A: '${X}', C: $C}\n"
    root = write_project(tmp_path, {"a": "apiVersion: hfjobs/v1\nname: a\nsecrets: [B, A]\n"},
                         project=PROJECT_HEADER + defaults)
    spec = specs(root)["a"]
    assert [(ref.name, ref.source) for ref in spec.secrets] == [("A", "A"), ("B", "B"), ("C", "C")]


def test_no_defaults_leaves_the_document_alone(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": "apiVersion: hfjobs/v1\nname: a\n"})
    with pytest.raises(ManifestErrors) as caught:
        specs(root)
    assert [str(i) for i in caught.value.issues] == [
        "jobs/a.yaml:1:1: error: a job needs either `script`, or `image` and `command`",
    ]


def test_every_merged_value_records_its_layer(tmp_path: Path) -> None:
    from hfjobs_spec.manifest.defaults import apply_defaults
    from hfjobs_spec.manifest.project import ProjectOptions, load_project
    from hfjobs_spec.manifest.yaml_source import parse_documents

    root = project(tmp_path)
    loaded = load_project(ProjectOptions(project_dir=root, cwd=root, environment="prod"))
    (doc,) = parse_documents("name: a\nenv: {C: job}\n", "jobs/a.yaml")
    merged = apply_defaults(doc, loaded.defaults)
    layers = {path: node.layer for path, node in merged.nodes.items()}
    assert layers[("name",)] == "manifest"
    assert layers[("env", "C")] == "manifest"
    assert layers[("env", "A")] == "project defaults"
    assert layers[("env", "B")] == layers[("flavor",)] == "environment 'prod' defaults"
    assert merged.position(("flavor",)).file == "hfjobs.yaml"
