"""The pre-commit hook, run by the real `pre-commit try-repo` against a sample repository.

pre-commit clones the hook repository (a commit of this working tree, made in a temporary copy) and
installs it into a fresh virtual environment with pip, which fetches the dependencies from the
package index: this test reaches the index in that subprocess, and nothing else. Both runs share one
PRE_COMMIT_HOME, so the environment is built once.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.acceptance.support import user_env

REPO_ROOT = Path(__file__).resolve().parents[2]
HOOK = "hfjobs-spec-validate"
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return user_env(home, PRE_COMMIT_HOME=str(home / "pre-commit"), **GIT_IDENTITY)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """This working tree (tracked and new files git does not ignore) as one commit of its own."""
    copy = tmp_path_factory.mktemp("hook-repo")
    listed = git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard", env=env)
    for relative in filter(None, listed.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / relative)
    git(copy, "init", "-q", env=env)
    git(copy, "add", "-A", env=env)
    git(copy, "commit", "-q", "-m", "hook under test", env=env)
    return copy


def sample_repo(root: Path, env: dict[str, str]) -> Path:
    root.mkdir()
    git(root, "init", "-q", env=env)
    done = subprocess.run([sys.executable, "-m", "hfjobs_spec", "init"], cwd=root, env=env,
                          capture_output=True, text=True, check=True)
    assert "created  hfjobs.yaml" in done.stdout
    git(root, "add", "-A", env=env)
    return root


def try_repo(sample: Path, hook_repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), HOOK, "--all-files",
                           "--color", "never"], cwd=sample, env=env, capture_output=True, text=True, timeout=540)


def test_the_hook_passes_on_good_manifests_and_fails_on_a_broken_one(
        tmp_path: Path, hook_repo: Path, env: dict[str, str]) -> None:
    sample = sample_repo(tmp_path / "sample", env)
    good = try_repo(sample, hook_repo, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "hfjobs-spec validate" in good.stdout and "Passed" in good.stdout

    (sample / "jobs" / "broken.yaml").write_text("apiVersion: hfjobs/v1\nname: Broken\nimage: x\ncommand: [x]\n"
                                                 "flavour: cpu-basic\n")
    git(sample, "add", "-A", env=env)
    bad = try_repo(sample, hook_repo, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "jobs/broken.yaml:2:7: error: name:" in bad.stdout
    assert "unknown field 'flavour'; did you mean 'flavor'?" in bad.stdout


def test_the_hook_runs_only_for_the_project_file_and_manifests(tmp_path: Path, hook_repo: Path,
                                                                env: dict[str, str]) -> None:
    (hook,) = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["language"], hook["entry"]) == (HOOK, "python", "hfjobs-spec validate")
    sample = tmp_path / "sample"
    sample.mkdir()
    git(sample, "init", "-q", env=env)
    (sample / "README.md").write_text("no jobs here\n")
    git(sample, "add", "-A", env=env)
    done = try_repo(sample, hook_repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(no files to check)Skipped" in done.stdout  # no hfjobs.yaml, yet nothing to fail on
