"""The action's inputs and the run's GitHub context, read once from the environment."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Command = Literal["validate", "plan", "apply", "drift"]
COMMANDS: tuple[Command, ...] = ("validate", "plan", "apply", "drift")


class ActionError(Exception):
    """A misconfigured action (a bad input, a missing GitHub variable): reported, exit 1."""


@dataclass(frozen=True)
class Inputs:
    command: Command
    working_directory: Path
    environment: str | None
    hf_token: str
    comment: bool
    extra_args: tuple[str, ...]


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str | None
    from_fork: bool


@dataclass(frozen=True)
class GithubContext:
    event_name: str
    repository: str
    sha: str | None
    run_url: str | None
    workspace: Path
    output_file: Path | None
    summary_file: Path | None
    env_file: Path | None
    temp_dir: Path
    pull_request: PullRequest | None

    @property
    def commit(self) -> str | None:
        """The commit a reviewer knows: the pull request's head, not the merge commit GitHub checks out."""
        if self.pull_request and self.pull_request.head_sha:
            return self.pull_request.head_sha
        return self.sha


def read_inputs(environ: Mapping[str, str], workspace: Path) -> Inputs:
    command = environ.get("HFJOBS_COMMAND", "plan").strip()
    if command not in COMMANDS:
        raise ActionError(f"input command: {command!r} is not one of {', '.join(COMMANDS)}")
    comment = environ.get("HFJOBS_COMMENT", "true").strip().lower()
    if comment not in ("true", "false"):
        raise ActionError(f"input comment: {comment!r} is not true or false")
    try:
        extra = tuple(shlex.split(environ.get("HFJOBS_EXTRA_ARGS", "")))
    except ValueError as exc:
        raise ActionError(f"input extra-args: {exc}") from exc
    directory = Path(environ.get("HFJOBS_WORKING_DIRECTORY", "") or ".")
    return Inputs(
        command=command,
        working_directory=directory if directory.is_absolute() else workspace / directory,
        environment=environ.get("HFJOBS_ENVIRONMENT", "").strip() or None,
        # An explicit input wins; else a token the workflow put in the environment.
        hf_token=environ.get("HFJOBS_HF_TOKEN", "") or environ.get("HF_TOKEN", ""),
        comment=comment == "true",
        extra_args=extra,
    )


def read_context(environ: Mapping[str, str]) -> GithubContext:
    def path(name: str) -> Path | None:
        value = environ.get(name)
        return Path(value) if value else None

    server, repository, run_id = (environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                               "GITHUB_RUN_ID"))
    event_name = environ.get("GITHUB_EVENT_NAME", "")
    event_path = path("GITHUB_EVENT_PATH")
    event = _read_event(event_path) if event_path else {}
    return GithubContext(
        event_name=event_name,
        repository=repository,
        sha=environ.get("GITHUB_SHA") or None,
        run_url=f"{server}/{repository}/actions/runs/{run_id}" if server and repository and run_id else None,
        workspace=Path(environ.get("GITHUB_WORKSPACE") or "."),
        output_file=path("GITHUB_OUTPUT"),
        summary_file=path("GITHUB_STEP_SUMMARY"),
        env_file=path("GITHUB_ENV"),
        temp_dir=Path(environ.get("RUNNER_TEMP") or environ.get("TMPDIR") or "/tmp"),
        pull_request=_pull_request(event) if event_name in ("pull_request", "pull_request_target") else None,
    )


def _read_event(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ActionError(f"cannot read the event payload {path}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _pull_request(event: Mapping[str, Any]) -> PullRequest | None:
    pr = event.get("pull_request")
    if not isinstance(pr, dict) or not isinstance(pr.get("number"), int):
        return None
    head, base = pr.get("head") or {}, pr.get("base") or {}
    head_repo = (head.get("repo") or {}).get("full_name")
    base_repo = (base.get("repo") or {}).get("full_name")
    return PullRequest(number=pr["number"], head_sha=head.get("sha"),
                       from_fork=bool(head_repo and base_repo and head_repo != base_repo))
