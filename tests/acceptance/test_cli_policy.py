"""Policy end to end against localhub (the embedded one, through the real client): every rule passing and
failing, static ones in validate, cost ones in plan, each refused by apply and let through, knowingly,
by `--policy-override`, which the saved plan records."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env
from tests.manifest.helpers import CliRun, run_main

HEADER = "apiVersion: hfjobs/v1\nproject: guarded\nnamespace: acme\n"
JOB = """\
apiVersion: hfjobs/v1
name: train
image: python:3.12
command: [python, -c, "print(1)"]
"""
# a10g-large: $1.50/h in localhub's price list (as on the Hub), so a 2h run can cost up to $3.00.
RUN = JOB + "flavor: a10g-large\ntimeout: 2h\n"
# @daily on a10g-small ($1.00002/h) for 1h: 30 runs in 30 days, up to $30.0006.
NIGHTLY = JOB.replace("name: train", "name: nightly") + "schedule: '@daily'\nflavor: a10g-small\ntimeout: 1h\n"

# rule, the rule as written, a job that keeps it, a job that breaks it, what the refusal says
STATIC = [
    ("allowed_flavors", "allowed_flavors: ['cpu-*']", JOB, RUN,
     "jobs/job.yaml:5:9: error: flavor: train: flavor 'a10g-large' is not allowed by policy allowed_flavors "
     "(hfjobs.yaml:5)"),
    ("max_timeout", "max_timeout: 1h", JOB + "timeout: 1h\n", JOB + "timeout: 61m\n",
     "jobs/job.yaml:5:10: error: timeout: train: timeout 61m is over policy max_timeout (hfjobs.yaml:5)"),
    ("max_attempts", "max_attempts: 2", JOB + "attempts: 2\n", JOB + "attempts: 3\n",
     "jobs/job.yaml:5:11: error: attempts: train: 3 attempts are over policy max_attempts (hfjobs.yaml:5)"),
    ("required_labels", "required_labels: [team]", JOB + "labels: {team: ml}\n", JOB,
     "jobs/job.yaml:1:1: error: labels: train: label team required by policy required_labels (hfjobs.yaml:5)"),
    ("allow_public_ports", "allow_public_ports: false", JOB + "expose: [8000]\n", JOB + "expose_public: [8000]\n",
     "jobs/job.yaml:5:16: error: expose_public: train: public port 8000 (reachable without authentication) "
     "refused by policy allow_public_ports (hfjobs.yaml:5)"),
    ("allowed_namespaces", "allowed_namespaces: ['acme*']", JOB + "namespace: acme-labs\n", JOB + "namespace: other\n",
     "jobs/job.yaml:5:12: error: namespace: train: namespace 'other' is not allowed by policy allowed_namespaces "
     "(hfjobs.yaml:5)"),
    ("require_protect", "require_protect: true", JOB + "protect: true\n", JOB,
     "jobs/job.yaml:1:1: error: protect: train: policy require_protect (hfjobs.yaml:5) requires `protect: true`"),
]
COST = [
    ("max_run_cost", "max_run_cost: 5", "max_run_cost: '$2.50'", RUN,
     "policy max_run_cost (hfjobs.yaml:5): one run of train can cost up to $3.00 (a10g-large, 1 x 7,200 s), over "
     "the limit of $2.50 by $0.50", (2_500_000, 3_000_000)),
    ("max_monthly_cost", "max_monthly_cost: 50", "max_monthly_cost: 20", NIGHTLY,
     "policy max_monthly_cost (hfjobs.yaml:5): the jobs of environment default can cost up to $30.00 in 30 days "
     "at their ceilings, over the limit of $20.00 by $10.00 (adding cost: nightly (+$30.00 a month))",
     (20_000_000, 30_000_600)),
]


def project(root: Path, policy: str, job: str) -> Path:
    (root / "jobs").mkdir(parents=True, exist_ok=True)
    (root / "hfjobs.yaml").write_text(HEADER + "policy:\n  " + policy + "\n")
    (root / "jobs" / "job.yaml").write_text(textwrap.dedent(job))
    return root


def run(root: Path, *args: str, code: int) -> CliRun:
    done = run_main(["--local", *args], root)
    assert done.code == code, done.out + done.err
    assert "Traceback" not in done.err
    return done


def hub_jobs(root: Path) -> list[str]:
    """The names of what the embedded Hub holds (read from its own database: no CLI involved)."""
    with sqlite3.connect(root / ".hfjobs" / "localhub.sqlite3") as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        names: list[str] = []
        for table in tables:
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            if "labels" in columns:
                names += [row[0] for row in db.execute(f"SELECT labels FROM {table}")]
    return sorted(json.loads(labels).get("hfjobs-name", "") for labels in names if "hfjobs-name" in labels)


@pytest.mark.parametrize(("rule", "written", "keeps", "breaks", "says"), STATIC, ids=[c[0] for c in STATIC])
def test_a_static_rule_fails_validate_plan_and_apply_unless_overridden(tmp_path: Path, rule: str, written: str,
                                                                       keeps: str, breaks: str, says: str) -> None:
    kept = project(tmp_path / "kept", written, keeps)
    run(kept, "validate", code=0)
    run(kept, "plan", code=0)
    broken = project(tmp_path / "broken", written, breaks)
    for command in (["validate"], ["plan"], ["apply", "--auto-approve"]):
        assert says in run(broken, *command, code=1).out + run(broken, *command, code=1).err
    assert not (broken / ".hfjobs").exists() or hub_jobs(broken) == []
    planned = run(broken, "plan", "--policy-override", rule, "--out", "plan.json", code=0).out
    assert f"overridden: {says.replace(' error:', '')}" in planned
    assert f"(accepted with --policy-override {rule})" in planned
    saved = json.loads((broken / "plan.json").read_text())
    assert saved["options"]["policy_overrides"] == [rule]
    assert [(f["rule"], f["overridden"], f["where"].split(":")[0]) for f in saved["policy"]["findings"]] == [
        (rule, True, "jobs/job.yaml")]
    run(broken, "apply", "plan.json", code=0)
    assert hub_jobs(broken) == ["train"]
    run(broken, "validate", code=1)  # validate never takes an override: the rule is still broken


@pytest.mark.parametrize(("rule", "keeps", "breaks", "job", "says", "amounts"), COST, ids=[c[0] for c in COST])
def test_a_cost_rule_blocks_plan_and_apply_unless_overridden(tmp_path: Path, rule: str, keeps: str, breaks: str,
                                                             job: str, says: str, amounts: tuple[int, int]) -> None:
    kept = project(tmp_path / "kept", keeps, job)
    run(kept, "validate", code=0)
    assert "Policy:" not in run(kept, "plan", code=0).out
    broken = project(tmp_path / "broken", breaks, job)
    run(broken, "validate", code=0)  # cost needs the Hub's prices: plan's to check
    planned = run(broken, "plan", code=1)
    assert f"! blocked: {says}" in planned.out and f"BLOCKED: {says}" in planned.out
    assert "the plan breaks the project's policy; nothing was changed" in planned.err
    as_json = json.loads(run(broken, "plan", "--format", "json", code=1).out)
    (finding,) = as_json["policy"]["findings"]
    assert (finding["rule"], finding["overridden"], finding["limit_micro_usd"], finding["value_micro_usd"],
            finding["over_micro_usd"]) == (rule, False, *amounts, amounts[1] - amounts[0])
    assert [c["blocked"] for c in as_json["changes"]] == [says]
    assert f"blocked by policy (`{rule}`)" in run(broken, "plan", "--format", "markdown", code=1).out
    assert says in run(broken, "apply", "--auto-approve", code=1).err
    assert hub_jobs(broken) == []
    run(broken, "apply", "--auto-approve", "--policy-override", rule, code=0)
    assert hub_jobs(broken) == ["train" if job is RUN else "nightly"]
    assert "No changes." in run(broken, "plan", code=0).out  # nothing left to block once applied


def test_a_saved_plan_holds_its_overrides_and_the_policy_it_was_reviewed_under(tmp_path: Path) -> None:
    root = project(tmp_path, "max_run_cost: 1", RUN)
    run(root, "plan", "--policy-override", "max_run_cost", "--out", "plan.json", code=0)
    assert "--policy-override belong to `plan`" in run(root, "apply", "plan.json", "--policy-override",
                                                       "max_run_cost", code=1).err
    edited = json.loads((root / "plan.json").read_text())
    edited["options"]["policy_overrides"] = []
    (root / "edited.json").write_text(json.dumps(edited))
    assert "does not match the plan computed now" in run(root, "apply", "edited.json", code=1).err
    (root / "hfjobs.yaml").write_text(HEADER + "policy:\n  max_run_cost: 2\n")  # the reviewed policy changed
    assert "does not match the plan computed now (policy differs)" in run(root, "apply", "plan.json", code=1).err
    (root / "hfjobs.yaml").write_text(HEADER + "policy:\n  max_run_cost: 1\n")
    run(root, "apply", "plan.json", code=0)
    assert hub_jobs(root) == ["train"]


def test_an_override_is_checked_against_the_rules_and_an_unneeded_one_is_said(tmp_path: Path) -> None:
    root = project(tmp_path, "max_attempts: 3", JOB)
    done = run(root, "plan", "--policy-override", "max_atempts", code=1)  # usage errors exit 1 here
    assert "'max_atempts' is not a policy rule; did you mean 'max_attempts'?" in done.err
    planned = run(root, "plan", "--policy-override", "max_attempts", code=0).out
    assert "note: --policy-override max_attempts: nothing in this plan breaks max_attempts" in planned


def test_a_namespace_known_only_from_the_token_is_held_to_allowed_namespaces(tmp_path: Path) -> None:
    root = tmp_path
    (root / "jobs").mkdir()
    (root / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: guarded\n"
                                      "policy:\n  allowed_namespaces: [acme]\n")
    (root / "jobs" / "job.yaml").write_text(JOB)
    run(root, "validate", code=0)  # validate cannot know whose token applies
    planned = run(root, "plan", code=1)
    assert "(the token's user) is not allowed by policy allowed_namespaces (hfjobs.yaml:4)" in planned.out
    run(root, "apply", "--auto-approve", "--policy-override", "allowed_namespaces", code=0)


def test_the_real_cli_against_a_localhub_server(tmp_path: Path, hub: LocalHub, api: HfApi) -> None:
    """As a user runs it: a subprocess, HF_ENDPOINT and HF_TOKEN, exit codes, and the Hub read back."""
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", HEADER + "environments:\n  prod:\n    policy:\n      max_monthly_cost: 20\n")
    cli.write("jobs/nightly.yaml", NIGHTLY)
    cli.run("plan", code=0)  # no limit outside prod
    blocked = cli.run("-E", "prod", "plan", "--detailed-exitcode", code=1)
    assert "policy max_monthly_cost (hfjobs.yaml:7, environment prod)" in blocked.stdout
    cli.run("-E", "prod", "apply", "--auto-approve", code=1)
    assert api.list_scheduled_jobs(namespace="acme") == []
    cli.run("-E", "prod", "plan", "--policy-override", "max_monthly_cost", "--out", "plan.json", code=0)
    cli.run("-E", "prod", "apply", "plan.json", code=0)
    (job,) = api.list_scheduled_jobs(namespace="acme")
    assert (job.job_spec.labels or {}).get("hfjobs-environment") == "prod"
