"""`policy:` in hfjobs.yaml: its values are checked where they are written, and validate holds every
static rule against every job, at the manifest's file:line, naming the rule and where it is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfjobs_spec.manifest.policy_config import parse_money
from hfjobs_spec.manifest.project import load_project
from tests.manifest.helpers import PROJECT_HEADER, messages, options, write_project

JOB = """\
apiVersion: hfjobs/v1
name: {name}
image: python:3.12
command: [python, -c, "print(1)"]
"""


def project(policy: str, environment_policy: str = "") -> str:
    text = PROJECT_HEADER + "namespace: acme\npolicy:\n" + "".join(f"  {line}\n" for line in policy.splitlines())
    if environment_policy:
        text += "environments:\n  prod:\n    policy:\n" + "".join(
            f"      {line}\n" for line in environment_policy.splitlines())
    return text


# (rule as written in hfjobs.yaml, job lines that pass, job lines that fail, the failure's line:col and text)
CASES = [
    ("allowed_flavors: [cpu-basic, 'a10g-*']", "flavor: a10g-large\n", "flavor: t4-small\n",
     "jobs/a.yaml:5:9: error: flavor: a: flavor 't4-small' is not allowed by policy allowed_flavors "
     "(hfjobs.yaml:5), which allows cpu-basic, a10g-*"),
    ("max_timeout: 2h", "timeout: 7200\n", "timeout: 2.5h\n",
     "jobs/a.yaml:5:10: error: timeout: a: timeout 150m is over policy max_timeout (hfjobs.yaml:5), which allows "
     "at most 2h"),
    ("max_attempts: 2", "attempts: 2\n", "attempts: 3\n",
     "jobs/a.yaml:5:11: error: attempts: a: 3 attempts are over policy max_attempts (hfjobs.yaml:5), which allows "
     "at most 2"),
    ("required_labels: [team, cost-center]", "labels: {team: ml, cost-center: x1}\n", "labels: {team: ml}\n",
     "jobs/a.yaml:5:9: error: labels: a: label cost-center required by policy required_labels (hfjobs.yaml:5) is "
     "missing"),
    ("allow_public_ports: false", "expose: [8000]\n", "expose_public: [8000]\n",
     "jobs/a.yaml:5:16: error: expose_public: a: public port 8000 (reachable without authentication) refused by "
     "policy allow_public_ports (hfjobs.yaml:5); use `expose` for ports behind the Hub's login"),
    ("allowed_namespaces: [acme, 'acme-*']", "namespace: acme-research\n", "namespace: other\n",
     "jobs/a.yaml:5:12: error: namespace: a: namespace 'other' is not allowed by policy allowed_namespaces "
     "(hfjobs.yaml:5), which allows acme, acme-*"),
    ("require_protect: true", "protect: true\n", "protect: false\n",
     "jobs/a.yaml:5:10: error: protect: a: policy require_protect (hfjobs.yaml:5) requires `protect: true` on "
     "every job"),
]


@pytest.mark.parametrize(("rule", "passing", "failing", "expected"), CASES, ids=[c[0].split(":")[0] for c in CASES])
def test_each_static_rule_passes_and_fails_in_validate(tmp_path: Path, rule: str, passing: str, failing: str,
                                                       expected: str) -> None:
    write_project(tmp_path / "ok", {"a": JOB.format(name="a") + passing}, project=project(rule))
    assert messages(tmp_path / "ok") == []
    write_project(tmp_path / "bad", {"a": JOB.format(name="a") + failing}, project=project(rule))
    assert messages(tmp_path / "bad") == [expected]


def test_public_ports_are_refused_by_default(tmp_path: Path) -> None:
    write_project(tmp_path, {"a": JOB.format(name="a") + "expose_public: [9000, 9001]\n"})
    assert messages(tmp_path) == [
        "jobs/a.yaml:5:16: error: expose_public: a: public ports 9000, 9001 (reachable without authentication) "
        "refused by policy allow_public_ports (the default: not set in hfjobs.yaml); use `expose` for ports "
        "behind the Hub's login"]


def test_a_missing_field_points_at_the_job_and_a_default_at_the_project_file(tmp_path: Path) -> None:
    text = project("require_protect: true\nmax_attempts: 1") + "defaults: {attempts: 2}\n"
    write_project(tmp_path, {"a": JOB.format(name="a")}, project=text)
    assert messages(tmp_path) == [
        "hfjobs.yaml:7:22: error: attempts: a: 2 attempts are over policy max_attempts (hfjobs.yaml:6), which "
        "allows at most 1",
        "jobs/a.yaml:1:1: error: protect: a: policy require_protect (hfjobs.yaml:5) requires `protect: true` on "
        "every job"]


def test_the_environment_rule_replaces_the_top_level_one_whole(tmp_path: Path) -> None:
    text = project("allowed_flavors: [cpu-basic]\nmax_attempts: 1", "allowed_flavors: ['a10g-*']")
    write_project(tmp_path, {"a": JOB.format(name="a") + "flavor: cpu-basic\n",
                             "b": JOB.format(name="b") + "flavor: a10g-small\nattempts: 2\n"}, project=text)
    assert messages(tmp_path) == [
        "jobs/b.yaml:5:9: error: flavor: b: flavor 'a10g-small' is not allowed by policy allowed_flavors "
        "(hfjobs.yaml:5), which allows cpu-basic",
        "jobs/b.yaml:6:11: error: attempts: b: 2 attempts are over policy max_attempts (hfjobs.yaml:6), which "
        "allows at most 1"]
    assert messages(tmp_path, environment="prod") == [  # cpu-basic is not in prod's list: replaced, not merged
        "jobs/a.yaml:5:9: error: flavor: a: flavor 'cpu-basic' is not allowed by policy allowed_flavors "
        "(hfjobs.yaml:10, environment prod), which allows a10g-*",
        "jobs/b.yaml:6:11: error: attempts: b: 2 attempts are over policy max_attempts (hfjobs.yaml:6), which "
        "allows at most 1"]


def test_policy_values_are_parsed_and_sourced(tmp_path: Path) -> None:
    text = project("max_timeout: 90m\nmax_run_cost: '$12.5'\nmax_monthly_cost: 300", "max_run_cost: 0.75")
    assert [parse_money(v) for v in ("$12.5", "0.000001", 12.25, 3, 1e-7)] == [12_500_000, 1, 12_250_000, 3_000_000, 0]
    write_project(tmp_path, {}, project=text)
    policy = load_project(options(tmp_path, environment="prod")).policy
    assert [(r.name, r.value, r.source.describe()) for r in policy.rules] == [
        ("max_timeout", 5400, "hfjobs.yaml:5"),
        ("allow_public_ports", False, "the default: not set in hfjobs.yaml"),
        ("max_run_cost", 750_000, "hfjobs.yaml:11, environment prod"),
        ("max_monthly_cost", 300_000_000, "hfjobs.yaml:7"),
    ]


@pytest.mark.parametrize(("written", "expected"), [
    ("allowed_flavors: [a10g-smal]",
     "hfjobs.yaml:5:21: error: policy.allowed_flavors[0]: 'a10g-smal' matches no flavor the Hub offers; did you "
     "mean 'a10g-small'?"),
    ("max_timeout: 0.1s", "hfjobs.yaml:5:16: error: policy.max_timeout: must be at least 1 second"),
    ("max_timeout: 8d", "hfjobs.yaml:5:16: error: policy.max_timeout: must be at most 7d (604,800 seconds)"),
    ("max_timeout: soon", "hfjobs.yaml:5:16: error: policy.max_timeout: 'soon' must be a number of seconds"),
    ("max_run_cost: -1", "hfjobs.yaml:5:17: error: policy.max_run_cost: must be at least 0"),
    ("max_run_cost: twelve", "hfjobs.yaml:5:17: error: policy.max_run_cost: 'twelve' must be an amount of US dollars"),
    ("required_labels: [hfjobs-project]",
     "hfjobs.yaml:5:21: error: policy.required_labels[0]: 'hfjobs-project' is set by hfjobs-spec itself on every "
     "job; require a label of your own"),
    ("required_labels: ['bad key']", "hfjobs.yaml:5:21: error: policy.required_labels[0]: 'bad key' may contain only"),
    ("allowed_namespaces: ['no/slash']",
     "hfjobs.yaml:5:24: error: policy.allowed_namespaces[0]: 'no/slash' is neither a namespace nor a shell pattern"),
    ("allow_public_port: true", "hfjobs.yaml:5:3: error: policy.allow_public_port: unknown field "
     "'allow_public_port'; did you mean 'allow_public_ports'?"),
])
def test_bad_policy_values_are_located_errors(tmp_path: Path, written: str, expected: str) -> None:
    write_project(tmp_path, {"a": JOB.format(name="a")}, project=project(written))
    found = messages(tmp_path)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_bad_rule_in_an_unselected_environment_still_fails(tmp_path: Path) -> None:
    write_project(tmp_path, {"a": JOB.format(name="a")}, project=project("max_attempts: 2", "max_attempts: 0"))
    assert [m.split(": error: ")[0] for m in messages(tmp_path)] == ["hfjobs.yaml:9:21"]
