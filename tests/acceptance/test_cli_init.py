"""`init` through the real CLI: what it writes validates and plans at once, and it never overwrites."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from hfjobs_spec.commands.init import ACTION_REF, project_name_from, workflow_text
from hfjobs_spec.commands.init import WORKFLOWS as WORKFLOW_NAMES
from hfjobs_spec.manifest.schema import schema_text
from tests.acceptance.support import Cli, user_env
from tests.manifest.helpers import REPO_ROOT

WORKFLOWS = (".github/workflows/hfjobs-plan.yml", ".github/workflows/hfjobs-apply.yml",
             ".github/workflows/hfjobs-drift.yml")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts[:1] and ".hfjobs" not in p.parts}


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_init_validates_and_plans_at_once_and_a_second_init_changes_nothing(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "My Jobs.Repo!")
    cli = Cli(repo, user_env(tmp_path / "home"))

    first = cli.run("init", "--github")
    written = snapshot(repo)
    assert sorted(written) == sorted(["hfjobs.yaml", "jobs/hello.yaml", "schemas/job.schema.json",
                                      "schemas/project.schema.json", ".gitignore", *WORKFLOWS])
    for path in written:
        assert f"created  {path}" in first.stdout
    project = yaml.safe_load(written["hfjobs.yaml"])
    assert project["project"] == "my-jobs-repo" and "namespace" not in project
    hello = written["jobs/hello.yaml"].decode()
    assert hello.startswith("# yaml-language-server: $schema=../schemas/job.schema.json\n")
    assert written["hfjobs.yaml"].decode().startswith("# yaml-language-server: $schema=schemas/project.schema.json\n")
    assert written["schemas/job.schema.json"].decode() == schema_text("job")
    assert written["schemas/project.schema.json"].decode() == schema_text("project")
    assert ".hfjobs/" in written[".gitignore"].decode().splitlines()

    assert "1 job valid in 1 file" in cli.run("validate").stdout
    plan = cli.run("--local", "plan", "--format", "json").stdout
    (change,) = json.loads(plan)["changes"]
    assert change["name"] == "hello" and change["action"] == "create"
    assert cli.run("--local", "plan", "--detailed-exitcode", code=2).returncode == 2

    after_plan = snapshot(repo)
    second = cli.run("init", "--github")
    assert snapshot(repo) == after_plan == written  # the embedded Hub's state lives in the ignored .hfjobs/
    for path in written:
        assert f"skipped  {path} (" in second.stdout
    assert "created" not in second.stdout and "appended" not in second.stdout
    assert "Nothing to do" in second.stdout


def test_the_workflows_use_the_action_for_each_command(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    Cli(repo, user_env(tmp_path / "home")).run("init", "--github")
    commands = {}
    for relative in WORKFLOWS:
        workflow = yaml.safe_load((repo / relative).read_text())
        (job,) = workflow["jobs"].values()
        (step,) = [step for step in job["steps"] if step.get("uses") == ACTION_REF]
        assert step["with"]["hf-token"] == "${{ secrets.HF_TOKEN }}"
        assert step["with"]["working-directory"] == "."
        assert set(step["with"]) == {"command", "working-directory", "environment", "hf-token", "comment"}
        commands[step["with"]["command"]] = workflow[True]  # PyYAML reads the key `on` as True
    assert set(commands) == {"plan", "apply", "drift"}
    assert "pull_request" in commands["plan"]
    assert commands["apply"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert "schedule" in commands["drift"]
    apply = yaml.safe_load((repo / WORKFLOWS[1]).read_text())
    assert apply["concurrency"]["cancel-in-progress"] is False


def test_a_project_in_a_subfolder_gets_workflows_at_the_repository_root(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "mono")
    (repo / ".git" / "refs" / "remotes" / "origin").mkdir(parents=True)
    (repo / ".git" / "refs" / "remotes" / "origin" / "HEAD").write_text("ref: refs/remotes/origin/trunk\n")
    (repo / "ml" / "jobs-project").mkdir(parents=True)
    cli = Cli(repo, user_env(tmp_path / "home"))
    cli.run("init", "--github", "--dir", "ml/jobs-project", "--project", "team_jobs", "--namespace", "acme")

    assert not (repo / "ml" / "jobs-project" / ".github").exists()
    apply = yaml.safe_load((repo / WORKFLOWS[1]).read_text())
    assert apply[True] == {"push": {"branches": ["trunk"],
                                    "paths": ["ml/jobs-project/**", ".github/workflows/hfjobs-*.yml"]},
                           "workflow_dispatch": None}
    assert apply["jobs"]["apply"]["steps"][-1]["with"]["working-directory"] == "ml/jobs-project"
    project = yaml.safe_load((repo / "ml" / "jobs-project" / "hfjobs.yaml").read_text())
    assert (project["project"], project["namespace"]) == ("team_jobs", "acme")
    sub = Cli(repo / "ml" / "jobs-project", cli.env)
    sub.run("validate")
    assert "in acme will be created" in sub.run("--local", "plan").stdout


def test_an_existing_gitignore_gets_the_entry_appended_once(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / ".gitignore").write_text("__pycache__/\n*.log")  # no newline at the end
    cli = Cli(repo, user_env(tmp_path / "home"))
    assert "appended .gitignore" in cli.run("init").stdout
    assert (repo / ".gitignore").read_text() == "__pycache__/\n*.log\n.hfjobs/\n"
    assert "skipped  .gitignore (already ignores .hfjobs/)" in cli.run("init").stdout
    assert (repo / ".gitignore").read_text() == "__pycache__/\n*.log\n.hfjobs/\n"
    assert not (repo / ".github").exists()  # workflows only with --github


def test_existing_files_are_kept_and_named(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / "jobs").mkdir()
    (repo / "jobs" / "hello.yaml").write_text("mine\n")
    (repo / "schemas").mkdir()
    (repo / "schemas" / "job.schema.json").write_text("{}\n")
    out = Cli(repo, user_env(tmp_path / "home")).run("init").stdout
    assert "skipped  jobs/hello.yaml (exists)" in out
    assert "skipped  schemas/job.schema.json (exists and differs from this version's schema" in out
    assert "created  hfjobs.yaml" in out
    assert (repo / "jobs" / "hello.yaml").read_text() == "mine\n"
    assert (repo / "schemas" / "job.schema.json").read_text() == "{}\n"


@pytest.mark.parametrize(("args", "message"), [
    (("--project", "no spaces"), "--project 'no spaces' must be"),
    (("--project", "x" * 64), "must be at most 63"),
    (("--namespace", "my org"), "--namespace 'my org' is not a Hub user or organization name"),
    (("--dir", "missing"), "missing is not a folder"),
])
def test_bad_arguments_write_nothing(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    repo = git_repo(tmp_path / "repo")
    done = Cli(repo, user_env(tmp_path / "home")).run("init", "--github", *args, code=1)
    assert message in done.stderr
    assert snapshot(repo) == {}


def test_names_that_yaml_would_misread_are_quoted(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "2024")
    cli = Cli(repo, user_env(tmp_path / "home"))
    cli.run("init", "--namespace", "true")
    project = yaml.safe_load((repo / "hfjobs.yaml").read_text())
    assert (project["project"], project["namespace"]) == ("2024", "true")
    cli.run("validate")


@pytest.mark.parametrize(("directory", "project"), [
    ("My Repo", "my-repo"), ("jobs_2024", "jobs_2024"), ("--weird..name--", "weird-name"),
    ("ünïcødé", "n-c-d"), ("!!!", "hfjobs-project"), ("a" * 80, "a" * 63), ("a" * 62 + "-b", "a" * 62),
])
def test_project_names_from_folder_names_are_label_safe(directory: str, project: str) -> None:
    assert project_name_from(directory) == project


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_the_example_workflows_are_what_init_writes(name: str) -> None:
    """One copy: examples/github/ is `init --github` at a repository's root (regenerate with workflow_text)."""
    example = REPO_ROOT / "examples" / "github" / name
    assert example.read_text(encoding="utf-8") == workflow_text(name), (
        f"examples/github/{name} differs from the init template: regenerate it with "
        "hfjobs_spec.commands.init.workflow_text")
