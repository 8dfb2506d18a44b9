"""Every documented user mistake ends as a clear error: exit 1, a message that says what to do, no traceback.

One walk through them, with the real CLI against localhub (and the embedded Hub for --local ones).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec import labels as L
from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env

CRASHES = ("Traceback", "Unexpected error", "This is a bug")


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: mistakes\nnamespace: acme\n")
    cli.write("jobs/nightly.yaml", """\
        apiVersion: hfjobs/v1
        name: nightly
        schedule: "@daily"
        image: python:3.12
        command: [python, -c, "print(1)"]
        secrets: [WANDB_API_KEY]
        protect: true
        """)
    return cli


def mistake(cli: Cli, *args: str, says: str) -> None:
    done = cli.run(*args, code=1)
    output = done.stdout + done.stderr
    assert says in output, output
    for crash in CRASHES:
        assert crash not in output, output


def test_every_documented_mistake_is_a_clear_error(cli: Cli, api: HfApi, tmp_path: Path) -> None:
    del cli.env["WANDB_API_KEY"]
    # Usage
    mistake(cli, "plan", "--no-such-flag", says="No such option '--no-such-flag'")
    mistake(cli, "apply", "--lock-timeout", "soon", says="'soon' is not a duration")
    mistake(cli, "apply", "--auto-approve", says="WANDB_API_KEY reads $WANDB_API_KEY, which is not set")
    mistake(cli, "plan", "--target", "nighty", says="did you mean 'nightly'")
    mistake(cli, "-E", "default", "plan", says="default")
    mistake(cli, "plan", "--out", str(tmp_path / "missing" / "plan.json"), says="cannot write")
    mistake(cli, "apply", "missing-plan.json", says="does not exist")
    (cli.root / "garbage.json").write_text("{not json")
    mistake(cli, "apply", "garbage.json", says="is not a plan file")
    # The project and the manifests
    cli.write("jobs/bad.yaml", "apiVersion: hfjobs/v1\nname: Bad_Name\n")
    mistake(cli, "plan", says="jobs/bad.yaml:2:7: error: name:")
    (cli.root / "jobs/bad.yaml").unlink()
    # The Hub
    cli.env["WANDB_API_KEY"] = "wandb-value-0123456789"
    cli.run("apply", "--auto-approve")
    cli.run("plan", "--out", "plan.json")
    api.update_scheduled_job_schedule(scheduled_job_id=api.list_scheduled_jobs(namespace="acme")[0].id,
                                      schedule="@hourly", namespace="acme")
    mistake(cli, "apply", "plan.json", says="plan is stale: the jobs on the Hub changed")
    (cli.root / "jobs/nightly.yaml").unlink()
    mistake(cli, "plan", says="no manifests were found")
    mistake(cli, "plan", "--allow-empty", says="protect: true, which forbids deleting it")
    api.create_scheduled_job(image="busybox", command=["true"], schedule="0 0 1 1 *", suspend=True, namespace="acme",
                             labels={L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: "mistakes", L.LOCK: "default",
                                     L.ENVIRONMENT: "default", L.LOCK_HOLDER: "ci", L.LOCK_EXPIRES: "9999999999"})
    mistake(cli, "apply", "--allow-empty", "--lock-timeout", "0", says="force-unlock")
    mistake(cli, "force-unlock", "0" * 24, says="is not a lock")
    cli.env["HF_TOKEN"] = ""
    mistake(cli, "plan", says="hf auth login")
    cli.env["HF_TOKEN"] = "hf_wrongtoken0123456789abcdefghijklm"
    cli.env["HF_ENDPOINT"] = "http://127.0.0.1:9"
    mistake(cli, "plan", says="cannot connect to the Hub")


def test_mistakes_with_the_embedded_hub(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "local", user_env(tmp_path))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: local-mistakes\n")
    cli.write("jobs/a.yaml", "apiVersion: hfjobs/v1\nname: a\nimage: busybox\ncommand: ['true']\n")
    cli.run("--local", "plan")
    database = next((cli.root / ".hfjobs").glob("*.sqlite3"))
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    mistake(cli, "--local", "plan", says="written by another version of hfjobs-spec")
    database.write_bytes(b"not a database at all")
    for leftover in database.parent.glob(database.name + "-*"):
        leftover.unlink()
    mistake(cli, "--local", "plan", says="cannot open the embedded Hub's state")
