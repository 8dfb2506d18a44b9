"""The command line's option layer on its own: one typed value per concern, precedence, durations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from hfjobs_spec.cli.options import (
    GlobalOptions,
    ProjectArgs,
    ReconcileArgs,
    duration,
    manifest_settings,
    reconcile_settings,
)


def test_options_after_the_command_win_and_variables_add_up() -> None:
    before = ProjectArgs(project_dir=Path("a"), environment="prod", var=("x=1",), values=(Path("v1.yaml"),))
    after = ProjectArgs(environment="staging", var=("x=2",))
    merged = after.over(before)
    assert merged == ProjectArgs(Path("a"), "staging", ("x=1", "x=2"), (Path("v1.yaml"),))


def test_settings_are_built_from_typed_values() -> None:
    glob = GlobalOptions(project=ProjectArgs(environment="prod"), local=True)
    settings = reconcile_settings(glob, ProjectArgs(var=("n=3",)), ReconcileArgs(targets=("a",), prune=False),
                                  lock_timeout=5)
    assert settings.hub.local and settings.hub.mask is glob.mask
    assert settings.manifests.project.environment == "prod" and settings.manifests.project.var_overrides == ("n=3",)
    assert settings.targets == ("a",) and settings.prune is False and settings.lease.timeout == 5
    assert manifest_settings(glob, ProjectArgs(), [Path("jobs/x.yaml")]).paths == (Path("jobs/x.yaml"),)


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("30s", 30), ("5m", 300), ("1.5h", 5400), ("0", 0)])
def test_durations(text: str, seconds: float) -> None:
    assert duration(click.Context(click.Command("x")), click.Option(["--t"]), text) == seconds


@pytest.mark.parametrize("text", ["", "m", "-5m", "5y", "1e9", "9" * 20])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(click.BadParameter):
        duration(click.Context(click.Command("x")), click.Option(["--t"]), text)


def test_annotations_name_files_from_the_repository_root_with_project_dir(tmp_path: Path) -> None:
    project = tmp_path / "repo" / "deploy" / "jobs-project"
    (project / "jobs").mkdir(parents=True)
    (project / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: p\n")
    (project / "jobs" / "bad.yaml").write_text("apiVersion: hfjobs/v1\nname: Bad_Name\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GITHUB_WORKSPACE": str(tmp_path / "repo")}
    done = subprocess.run([sys.executable, "-m", "hfjobs_spec", "validate", "--format", "github", "--project-dir",
                           str(project)], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "::error file=deploy/jobs-project/jobs/bad.yaml,line=2," in done.stdout
