"""Shell completion: click's machinery driven with the variables a shell sets, in-process, and once
through real bash with the script `completion bash` prints."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hfjobs_spec.cli import main
from hfjobs_spec.cli.group import COMPLETE_VAR

PROJECT = """\
apiVersion: hfjobs/v1
project: tabs
environments:
  prod: {}
  staging: {}
"""
JOBS = """\
apiVersion: hfjobs/v1
name: nightly-eval
schedule: "@daily"
image: busybox
command: ["true"]
---
apiVersion: hfjobs/v1
name: "{{ vars.who }}-templated"
image: busybox
command: ["true"]
---
apiVersion: hfjobs/v1
name: smoke
image: busybox
command: ["true"]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "jobs").mkdir(parents=True)
    (root / "hfjobs.yaml").write_text(PROJECT)
    (root / "jobs" / "a.yaml").write_text(JOBS)
    (root / "jobs" / "broken.yaml").write_text("name: [unclosed\n")
    return root


def complete(cwd: Path, line: str, monkeypatch: pytest.MonkeyPatch, shell: str = "bash") -> list[str]:
    """What the shell would offer after `line` (a trailing space: a new word), as (type, value) words."""
    words = line.split()
    current = len(words) if line.endswith(" ") else len(words) - 1
    monkeypatch.setenv(COMPLETE_VAR, f"{shell}_complete")
    monkeypatch.setenv("COMP_WORDS", line)
    # fish passes the incomplete word itself, bash and zsh its index
    incomplete = "" if line.endswith(" ") else words[-1]
    monkeypatch.setenv("COMP_CWORD", incomplete if shell == "fish" else str(current))
    raw = io.BytesIO()  # click writes completions as bytes, to the binary buffer under stdout
    out, err = io.TextIOWrapper(raw, encoding="utf-8"), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            pytest.raises(SystemExit) as exited:
        main(words[1:])
    out.flush()
    assert exited.value.code == 0 and err.getvalue() == ""
    return raw.getvalue().decode().splitlines()


def values(lines: list[str]) -> list[str]:
    return [line.split(",", 1)[1] for line in lines if line.startswith("plain,")]


def test_commands_options_names_and_environments(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "status" in values(complete(project, "hfjobs-spec st", monkeypatch))
    assert values(complete(project, "hfjobs-spec comp", monkeypatch)) == ["completion"]
    assert values(complete(project, "hfjobs-spec plan --ta", monkeypatch)) == ["--target"]
    assert "--fail-on-error" in values(complete(project, "hfjobs-spec status --", monkeypatch))
    # Manifest names: literal ones only (a template is not guessed), a broken file skipped
    assert values(complete(project, "hfjobs-spec plan --target ", monkeypatch)) == ["nightly-eval", "smoke"]
    assert values(complete(project, "hfjobs-spec apply --replace sm", monkeypatch)) == ["smoke"]
    assert values(complete(project, "hfjobs-spec status ", monkeypatch)) == ["nightly-eval", "smoke"]
    assert values(complete(project, "hfjobs-spec status smoke ", monkeypatch)) == ["nightly-eval"]
    # Environments, before or after the command
    assert values(complete(project, "hfjobs-spec -E ", monkeypatch)) == ["prod", "staging"]
    assert values(complete(project, "hfjobs-spec plan --environment st", monkeypatch)) == ["staging"]
    # --project-dir is honoured from anywhere
    elsewhere = project.parent
    assert values(complete(elsewhere, f"hfjobs-spec --project-dir {project} status ", monkeypatch)) == [
        "nightly-eval", "smoke"]
    assert values(complete(elsewhere, "hfjobs-spec status ", monkeypatch)) == []  # no project here: nothing
    # zsh and fish get the same words in their own formats
    assert "smoke" in "\n".join(complete(project, "hfjobs-spec status s", monkeypatch, shell="zsh"))
    assert any(line.startswith("plain,smoke") for line in complete(project, "hfjobs-spec status s", monkeypatch,
                                                                   shell="fish"))


def test_a_broken_project_completes_nothing_and_never_raises(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: [oops\n")
    assert values(complete(project, "hfjobs-spec plan --target ", monkeypatch)) == []
    assert values(complete(project, "hfjobs-spec -E ", monkeypatch)) == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_each_shells_script(shell: str, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    with contextlib.chdir(project), contextlib.redirect_stdout(out):
        assert main(["completion", shell]) == 0
    assert f"{COMPLETE_VAR}={shell}_complete" in out.getvalue()


def test_real_bash_completes_manifest_names(project: Path) -> None:
    bin_dir = Path(sys.executable).parent
    if shutil.which("bash") is None or not (bin_dir / "hfjobs-spec").exists():
        pytest.skip("needs bash and the installed hfjobs-spec script")
    script = textwrap.dedent("""\
        eval "$(hfjobs-spec completion bash)"
        COMP_WORDS=(hfjobs-spec apply --replace "")
        COMP_CWORD=3
        _hfjobs_spec_completion hfjobs-spec
        printf '%s\\n' "${COMPREPLY[@]}"
        """)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["nightly-eval", "smoke"]
