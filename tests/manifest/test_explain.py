"""`render --explain` names each field's origin; `validate` warns about values equal to the inherited ones."""

from __future__ import annotations

import json
from pathlib import Path

from tests.manifest.helpers import PROJECT_HEADER, check, run_main, write_project

PROJECT = PROJECT_HEADER + """\
namespace: team
vars: {model: gpt2, size: small}
defaults:
  timeout: 1h
  env: {FROM_PROJECT: "1"}
environments:
  prod:
    namespace: team-prod
    defaults: {attempts: 2}
    vars: {lr: "1e-4"}
"""
SCRIPT = '# /// script\n# [tool.hf-jobs]\n# flavor = "t4-small"\n# ///\nprint(1)\n'
MANIFEST = """\
apiVersion: hfjobs/v1
name: train
script: scripts/run.py
matrix: {seed: [1]}
env:
  LR: "{{ vars.lr }}"
  MODEL: "{{ vars.model }}"
  SIZE: "{{ vars.size }}"
  SEED: "{{ matrix.seed }}"
  PLAIN: "x"
"""


def origins(tmp_path: Path, *args: str) -> dict[str, tuple[str, str]]:
    root = write_project(tmp_path, {"train": MANIFEST}, project=PROJECT,
                         files={"scripts/run.py": SCRIPT, "values.yaml": "size: large\n"})
    run = run_main(["render", "--explain", "--format", "json", *args], root)
    assert run.code == 0, run.out + run.err
    (job,) = json.loads(run.out)["jobs"]
    return {row["field"]: (row["origin"], row["where"]) for row in job["fields"]}


def test_every_layer_is_named(tmp_path: Path) -> None:
    found = origins(tmp_path, "-E", "prod", "--var", "model=llama", "--values", "values.yaml")
    assert found["name"] == ("manifest", "jobs/train.yaml:2")
    assert found["env.PLAIN"] == ("manifest", "jobs/train.yaml:10")
    assert found["timeout"] == ("project defaults", "hfjobs.yaml:6")
    assert found["env.FROM_PROJECT"] == ("project defaults", "hfjobs.yaml:7")
    assert found["attempts"] == ("environment 'prod' defaults", "hfjobs.yaml:11")
    assert found["flavor"] == ("script header", "scripts/run.py:3")
    assert found["env.MODEL"] == ("--var", "model")
    assert found["env.SIZE"] == ("values file", "values.yaml")
    assert found["env.LR"] == ("environment 'prod' vars", "hfjobs.yaml:12")
    assert found["env.SEED"] == ("matrix", "jobs/train.yaml:9")
    assert found["namespace"] == ("environment 'prod' namespace", "hfjobs.yaml:10")
    assert found["expose"] == ("built-in default", "")
    assert found["image"] == ("built-in default", "")


def test_project_vars_and_the_text_form(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"train": MANIFEST.replace('  LR: "{{ vars.lr }}"\n', "")}, project=PROJECT,
                         files={"scripts/run.py": SCRIPT})
    run = run_main(["render", "--explain"], root)
    assert run.code == 0, run.out + run.err
    assert run.lines[0] == "# train-1  jobs/train.yaml:1 (matrix: seed=1)"
    model = next(line for line in run.lines if "env.MODEL" in line)
    assert model.split() == ["env.MODEL", '"gpt2"', "project", "vars", "hfjobs.yaml:4", "(template", "at",
                             "jobs/train.yaml:6", "reads", "vars.model)"]


def test_values_equal_to_the_inherited_ones_are_warnings(tmp_path: Path) -> None:
    manifest = ("apiVersion: hfjobs/v1\nname: a\nscript: scripts/run.py\ntimeout: 1h\nflavor: t4-small\n"
                "env: {FROM_PROJECT: '1', OWN: '2'}\n")
    root = write_project(tmp_path, {"a": manifest}, project=PROJECT, files={"scripts/run.py": SCRIPT})
    result = check(root)
    assert result.ok
    assert [str(warning) for warning in result.warnings] == [
        "jobs/a.yaml:4:1: warning: timeout: the same value as project defaults (hfjobs.yaml:6) gives it; "
        "remove it here to inherit it",
        "jobs/a.yaml:5:1: warning: flavor: the same value as script header (scripts/run.py:3) gives it; "
        "remove it here to inherit it",
        "jobs/a.yaml:6:7: warning: env.FROM_PROJECT: the same value as project defaults (hfjobs.yaml:7) gives "
        "it; remove it here to inherit it",
    ]
    run = run_main(["validate"], root)
    assert run.code == 0 and "warning: timeout" in run.out
