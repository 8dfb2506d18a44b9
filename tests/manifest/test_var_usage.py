"""A `--var` no template uses is a warning; "used" means any template of the project, rendered here or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfjobs_spec.manifest.var_usage import unused, used_vars
from tests.manifest.helpers import PROJECT_HEADER, run_main, write_project

JOB = "apiVersion: hfjobs/v1\nname: {name}\nimage: busybox\ncommand: [echo, {arg}]\n"


@pytest.mark.parametrize(("sources", "expected"), [
    (["{{ vars.model }}", "plain text", "{{ vars['size'] | int }}"], {"model", "size"}),
    (["{% if environment == 'prod' %}{{ vars.big.name }}{% endif %}"], {"big"}),
    (["{% for k, v in vars.items() %}{{ k }}{% endfor %}"], None),
    (["{{ vars | tojson }}"], None),
    (["{{ vars[name] }}"], None),
    (["{{ vars.get('model') }}"], None),
    (["{% set v = vars %}{{ v.model }}"], None),
    (["{{ broken "], None),
    (["{# only a comment #}"], set()),
])
def test_what_templates_use(sources: list[str], expected: set[str] | None) -> None:
    found = used_vars(sources)
    assert (None if found is None else set(found)) == expected


def test_unused_keys_are_top_level_and_in_order() -> None:
    assert unused(["b=1", "a.x=2", "a.y=3", "model=m"], frozenset({"model"})) == ["b", "a"]
    assert unused(["b=1"], None) == []


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """`model` in a manifest, `tier` only in prod's defaults, `big` only in another environment's branch."""
    return write_project(tmp_path, {
        "a": JOB.format(name="a", arg="'{{ vars.model }}'"),
        "b": JOB.format(name="b", arg="\"{% if environment == 'prod' %}{{ vars.big }}{% else %}x{% endif %}\""),
    }, project=PROJECT_HEADER + "vars: {model: m, big: b}\nenvironments:\n  prod:\n    defaults:\n"
                                "      labels: {tier: '{{ vars.tier }}'}\n")


def test_a_var_used_anywhere_in_the_project_is_no_warning(project: Path) -> None:
    for var in ("model=x", "big=y", "tier=z"):
        done = run_main(["--var", var, "validate"], project)
        assert done.code == 0 and "warning" not in done.out + done.err, done.out + done.err
    only_b = run_main(["--var", "model=x", "validate", "jobs/b.yaml"], project)  # used by a file not validated
    assert "warning" not in only_b.out


def test_a_var_no_template_uses_is_a_warning(project: Path) -> None:
    done = run_main(["--var", "modle=x", "validate"], project)
    assert done.code == 0
    assert "warning: --var modle: no template of the project uses vars.modle; did you mean 'model'?" in done.out
    report = json.loads(run_main(["--var", "modle=x", "validate", "--format", "json"], project).out)
    assert [w["message"] for w in report["warnings"]] == [
        "--var modle: no template of the project uses vars.modle; did you mean 'model'?"]
    rendered = run_main(["render", "--var", "nothing.deep=1"], project)  # plan, apply and status say it too
    assert rendered.code == 0 and "warning: --var nothing: no template of the project uses vars.nothing" \
        in rendered.err
