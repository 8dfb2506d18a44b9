"""`export` end to end (issue 10): jobs made first with the real `hf` CLI and `HfApi.run_uv_job`, then
export, validate, plan (imports only), apply (every Hub id kept), and the next plan is empty."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml
from huggingface_hub import HfApi

from hfjobs_spec.cli import main
from hfjobs_spec.commands.hub import LOCAL_TOKEN, LOCAL_USER
from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env

HF = str(Path(sys.executable).with_name("hf"))
URL = "https://example.com/scripts/train.py"


def hf(cli: Cli, *args: str) -> str:
    """`hf jobs ...` as a person types it, against the same Hub."""
    done = subprocess.run([HF, "jobs", *args], env={**cli.env, "HF_HUB_DISABLE_UPDATE_CHECK": "1"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: adopted\nnamespace: acme\n")
    return cli


def every_id(api: HfApi) -> set[str]:
    return ({job.id for job in api.list_scheduled_jobs(namespace="acme")}
            | {job.id for job in api.list_jobs(namespace="acme")})


def test_export_then_apply_adopts_every_job_in_place(cli: Cli, api: HfApi) -> None:
    hf(cli, "scheduled", "run", "--namespace", "acme", "--name", "weekly-report", "-e", "BATCH=32", "-s",
       "WANDB_API_KEY", "-l", "team=ml", "--flavor", "cpu-upgrade", "--timeout", "2h", "--suspend", "@weekly",
       "python:3.12", "python", "-c", "print('report')")
    hf(cli, "run", "-d", "--namespace", "acme", "--attempts", "2", "-v", "hf://datasets/org/data:/data",
       "python:3.12", "python", "-c", "print(1)")  # no --name: the client names it after the image
    hf(cli, "run", "-d", "--namespace", "acme", "--name", "smoke", "ubuntu", "echo", "first")
    hf(cli, "run", "-d", "--namespace", "acme", "--name", "smoke", "ubuntu", "echo", "second")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # run_uv_job is marked experimental
        uv = api.run_uv_job(URL, script_args=["--epochs", "3"], dependencies=["trl"], python="3.11",
                            namespace="acme")
    [weekly] = api.list_scheduled_jobs(namespace="acme")
    api.trigger_scheduled_job(scheduled_job_id=weekly.id, namespace="acme")  # a run that belongs to the schedule
    before = every_id(api)

    text = cli.run("export", "--scheduled", "--jobs").stdout
    assert "Wrote 4 manifests from acme to jobs/:" in text
    assert "created  jobs/weekly-report.yaml" in text and "created  jobs/smoke.yaml" in text
    assert "an earlier run of the same name" in text and "started by a scheduled job" in text
    files = sorted(p.name for p in (cli.root / "jobs").glob("*.yaml"))
    assert len(files) == 4 and "train-" in " ".join(files) and "python-3-12-" in " ".join(files)
    weekly_doc = yaml.safe_load((cli.root / "jobs" / "weekly-report.yaml").read_text())
    assert weekly_doc == {
        "apiVersion": "hfjobs/v1", "name": "weekly-report", "schedule": "@weekly", "suspend": True,
        "image": "python:3.12", "command": ["python", "-c", "print('report')"], "flavor": "cpu-upgrade",
        "timeout": "2h", "env": {"BATCH": "32"}, "secrets": {"WANDB_API_KEY": "$WANDB_API_KEY"},
        "labels": {"team": "ml"}, "import": {"id": weekly.id}}
    [train] = [p for p in (cli.root / "jobs").glob("train-*.yaml")]
    assert yaml.safe_load(train.read_text())["script"] == URL  # the uv job is a script manifest again
    assert f"import: {{id: \"{uv.id}\"}}" in train.read_text()

    assert "4 jobs valid in 4 files" in cli.run("validate").stdout
    plan = json.loads(cli.run("plan", "--format", "json").stdout)
    assert sorted(c["action"] for c in plan["changes"]) == ["import"] * 4
    assert {op["kind"] for c in plan["changes"] for op in c["operations"]} <= {"import_scheduled", "import_run"}
    cli.run("apply", "--auto-approve")
    assert every_id(api) == before  # nothing created, nothing deleted: every job kept its id
    assert "No changes." in cli.run("plan", "--detailed-exitcode").stdout
    again = cli.run("export", "--scheduled", "--jobs").stdout  # adopted now: nothing more to write
    assert "Nothing to export from acme." in again and "managed by hfjobs-spec (project adopted)" in again


# In-process, against the embedded Hub (--local), whose state lives in the project


@pytest.fixture
def local_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: adopted\nforeign_label_prefixes: [svc-]\n")
    with LocalHub.for_project(root, user=LOCAL_USER) as hub:
        api = HfApi(endpoint=hub.url, token=LOCAL_TOKEN)
        api.create_scheduled_job(image="ubuntu", command=["echo", "{{ not a template }}"], schedule="@daily",
                                 namespace=LOCAL_USER, labels={"name": "Nightly_Report"},
                                 env={"API": "hf_" + "x1Y2" * 9})
        api.create_scheduled_job(image="ubuntu", command=["true"], schedule="@hourly", namespace=LOCAL_USER,
                                 labels={"name": "box", "hf-sandbox": "1"})
        api.create_scheduled_job(image="ubuntu", command=["true"], schedule="@hourly", namespace=LOCAL_USER,
                                 labels={"name": "service", "svc-owner": "web"})
    monkeypatch.chdir(root)
    return root


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--local", "export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_local_export_names_what_it_changed_and_never_overwrites(local_project: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = export(capsys, "--dry-run")
    assert code == 0 and "Would write 1 manifest from local-user" in out
    assert "would create  jobs/nightly-report.yaml" in out and not (local_project / "jobs").exists()
    assert "is not a manifest name" in out and "now the secret API" in out and "will replace this job" in out
    assert "another tool's job (label hf-sandbox); never adopted" in out
    assert "another tool's job (label svc-owner); never adopted" in out  # the project's foreign_label_prefixes

    code, out, _ = export(capsys, "--format", "json")
    report = json.loads(out)
    assert code == 0 and [f["name"] for f in report["files"]] == ["nightly-report"]
    written = (local_project / "jobs" / "nightly-report.yaml").read_text()
    assert "hf_x1Y2" not in written and "secrets: {API: $API}" in written
    assert yaml.safe_load(written)["command"] == ["echo", "{% raw %}{{ not a template }}{% endraw %}"]

    (local_project / "jobs" / "nightly-report.yaml").write_text("# edited by hand\n")
    (local_project / "jobs" / "keep.txt").write_text("x")
    code, _, err = export(capsys, "--out-dir", "jobs")
    assert code == 1 and "jobs/nightly-report.yaml already exists; nothing was written" in err
    assert (local_project / "jobs" / "nightly-report.yaml").read_text() == "# edited by hand\n"
    code, out, _ = export(capsys, "--force")
    assert code == 0 and "overwritten  jobs/nightly-report.yaml" in out
    assert "import:" in (local_project / "jobs" / "nightly-report.yaml").read_text()

    code, out, _ = export(capsys)  # the manifest imports it already
    assert code == 0 and "already imported by jobs/nightly-report.yaml" in out


def test_local_export_refuses_unknown_names_and_bad_labels(local_project: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = export(capsys, "--name", "nope")
    assert code == 1 and "--name nope: no scheduled job or job run with that Hub name" in err
    code, _, err = export(capsys, "--label", "team")
    assert code == 1 and "'team' is not KEY=VALUE" in err
    assert "Traceback" not in err and not (local_project / "jobs").exists()
