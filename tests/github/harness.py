"""Run `action.yml` the way GitHub runs a composite action: each `run` step in bash, with the files
and variables of a real runner, a stand-in `gh` and `python -m pip` on PATH, against localhub.

Expressions are evaluated for the small set the action uses (`inputs.*`, `github.token`,
`steps.<id>.outputs.*`); anything else fails the test, which keeps `action.yml` thin.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
GH_TOKEN = "ghs_fakegithubtoken0123456789"
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def pull_request_event(number: int = 7, *, fork: bool = False) -> dict[str, Any]:
    """The parts of a real `pull_request` payload the action reads, in their real places."""
    head_repo = "someone/hfjobs-demo" if fork else "acme/hfjobs-demo"
    return {"action": "synchronize", "number": number, "pull_request": {
        "number": number, "state": "open", "title": "Tweak the nightly job",
        "head": {"ref": "tweak", "sha": "feedfacecafebeef0123456789abcdef01234567",
                 "repo": {"full_name": head_repo, "fork": fork}},
        "base": {"ref": "main", "sha": "0badc0de" * 5, "repo": {"full_name": "acme/hfjobs-demo", "fork": False}},
    }, "repository": {"full_name": "acme/hfjobs-demo"}}


@dataclass
class StepsRun:
    code: int
    log: str
    outputs: dict[str, str]
    summary: str
    exported: str


@dataclass
class Runner:
    """One runner machine: a workspace, its temp dir, the stand-ins, and what they recorded."""

    root: Path
    hub_url: str
    secrets_env: dict[str, str] = field(default_factory=dict)
    gh_state: Path = field(init=False)
    gh_log: Path = field(init=False)
    workspace: Path = field(init=False)

    def __post_init__(self) -> None:
        self.workspace = self.root / "workspace"
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.bin = self.root / "bin"
        self.bin.mkdir(exist_ok=True)
        self.gh_state = self.root / "gh-state.json"
        self.gh_log = self.root / "gh-calls.jsonl"
        self.pip_log = self.root / "pip-calls.txt"
        _script(self.bin / "gh", f"#!/bin/sh\nexec {sys.executable} {REPO / 'tests/github/fake_gh.py'} \"$@\"\n")
        # `python -m pip install ...` is recorded (the tests reach no package index); all else is real.
        _script(self.bin / "python", f"""#!/bin/sh
if [ "$1 $2 $3" = "-m pip install" ]; then echo "$@" >> {self.pip_log}; exit 0; fi
exec {sys.executable} "$@"
""")

    def gh_calls(self) -> list[dict[str, Any]]:
        if not self.gh_log.exists():
            return []
        return [json.loads(line) for line in self.gh_log.read_text().splitlines()]

    def state(self) -> dict[str, Any]:
        return json.loads(self.gh_state.read_text()) if self.gh_state.exists() else {}

    def set_state(self, state: dict[str, Any]) -> None:
        self.gh_state.write_text(json.dumps(state))

    def run_action(self, inputs: dict[str, str], *, event_name: str, event: dict[str, Any] | None = None,
                   run_id: int = 1) -> StepsRun:
        action = yaml.safe_load((REPO / "action.yml").read_text())
        given = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
        given["github-token"] = GH_TOKEN  # what `${{ github.token }}` is on a runner
        given.update(inputs)
        temp = self.root / f"temp-{run_id}"
        temp.mkdir(exist_ok=True)
        event_path = temp / "event.json"
        event_path.write_text(json.dumps(event or {}))
        summary, exported = temp / "summary.md", temp / "env"
        base = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "GITHUB_"))}
        base.update({
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.root / "home"),
            "HF_HOME": str(self.root / "hf-home"), "HF_ENDPOINT": self.hub_url, "NO_PROXY": "127.0.0.1,localhost",
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_REPOSITORY": "acme/hfjobs-demo",
            "GITHUB_SHA": "1234567890abcdef1234567890abcdef12345678", "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": str(run_id), "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ENV": str(exported), "GITHUB_ACTION_PATH": str(REPO),
            "RUNNER_TEMP": str(temp), "FAKE_GH_STATE": str(self.gh_state), "FAKE_GH_LOG": str(self.gh_log),
            "PYTHONPATH": str(REPO),
            **self.secrets_env,
        })
        step_outputs: dict[str, dict[str, str]] = {}
        log = []
        code = 0
        for index, step in enumerate(action["runs"]["steps"]):
            if "uses" in step:
                assert step["uses"].startswith("actions/setup-python@")  # the runner's Python stands in
                continue
            output_file = temp / f"output-{index}"
            output_file.touch()
            env = {**base, "GITHUB_OUTPUT": str(output_file)}
            env.update({key: _evaluate(str(value), given, step_outputs) for key, value in step.get("env", {}).items()})
            script = temp / f"step-{index}.sh"
            script.write_text(_evaluate(step["run"], given, step_outputs))
            assert step["shell"] == "bash"
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                  cwd=self.workspace, env=env, capture_output=True, text=True, timeout=300)
            log.append(done.stdout + done.stderr)
            if "id" in step:
                step_outputs[step["id"]] = _read_outputs(output_file)
            if done.returncode != 0:
                code = done.returncode
                break
        outputs = {name: _evaluate(spec["value"], given, step_outputs) for name, spec in action["outputs"].items()}
        return StepsRun(code, "".join(log), outputs, summary.read_text() if summary.exists() else "",
                        exported.read_text() if exported.exists() else "")


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _evaluate(text: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return steps.get(m.group(1), {}).get(m.group(2), "")
        raise AssertionError(f"action.yml uses an expression the harness does not know: {expression}")

    return _EXPRESSION.sub(value, text)


def _read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: `name=value` and `name<<DELIMITER ... DELIMITER`."""
    outputs: dict[str, str] = {}
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1:end])
            index = end + 1
        else:
            name, _, rest = line.partition("=")
            outputs[name] = rest
            index += 1
    return outputs
