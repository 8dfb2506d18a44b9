"""What the acceptance tests share: the CLI run as a user runs it, a user's environment, Hub look-ups."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import HfApi

TOKEN = "hf_storytesttoken0123456789abcdefghijkl"
SECRET = "very-secret-wandb-key-0123456789"


@dataclass
class Cli:
    root: Path
    env: dict[str, str]
    outputs: list[str] = field(default_factory=list)

    def run(self, *args: str, code: int | None = 0, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "hfjobs_spec", *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, input=stdin, timeout=120)
        self.outputs += [done.stdout, done.stderr]
        if code is not None:
            assert done.returncode == code, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "--debug" in args or "Traceback" not in done.stderr
        return done

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment without any Hugging Face settings of this machine, HOME in `home`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGING"))}
    env.update(HOME=str(home), HF_HOME=str(home / "hf-home"), HF_HUB_DISABLE_TELEMETRY="1",
               NO_PROXY="127.0.0.1,localhost", WANDB_API_KEY=SECRET, **extra)
    return env


def scheduled_by_name(api: HfApi) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for job in api.list_scheduled_jobs(namespace="acme"):
        found.setdefault((job.job_spec.labels or {}).get("hfjobs-name", "?"), []).append(job.id)
    return found


def scan_for_secrets(cli: Cli, tmp_path: Path) -> None:
    texts = list(cli.outputs)
    texts += [p.read_text(errors="replace") for p in tmp_path.rglob("*.json") if p.is_file()]
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text


class InProcessCli(Cli):
    """The same user's CLI, run in this process through the entry point (a subprocess costs ~0.9 s).

    Point `huggingface_hub.constants.ENDPOINT` at the Hub and set HF_TOKEN (monkeypatch) first: the
    client reads HF_ENDPOINT once, when it is imported.
    """

    def run(self, *args: str, code: int | None = 0, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        import contextlib
        import io

        from hfjobs_spec.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.chdir(self.root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            returned = main(list(args))
        done = subprocess.CompletedProcess(list(args), returned, out.getvalue(), err.getvalue())
        self.outputs += [done.stdout, done.stderr]
        assert code is None or returned == code, f"exit {returned}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        return done
