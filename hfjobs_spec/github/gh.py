"""The one comment per pull request and the one issue per project environment, through `gh api`.

Both are found by a hidden marker at the start of their body, so no id has to be stored anywhere.
Pages are walked explicitly (`per_page=100&page=N`) rather than with `--paginate`, whose output for
arrays differs between `gh` versions.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 comments or open issues: beyond that, we stop looking and create one


class GhError(Exception):
    """`gh` failed (not installed, no permission, GitHub refused): the message says which call."""


@dataclass(frozen=True)
class Found:
    number: int  # the comment's id, or the issue's number
    body: str


class Gh:
    def __init__(self, repository: str, environ: Mapping[str, str], temp_dir: Path) -> None:
        self.repository = repository
        self._environ = dict(environ)
        self._temp_dir = temp_dir

    def api(self, path: str, *, method: str = "GET", body: Mapping[str, Any] | None = None) -> Any:
        args = ["gh", "api", "--method", method, "-H", "Accept: application/vnd.github+json", path]
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=self._temp_dir, delete=False,
                                         encoding="utf-8") as file:
            json.dump(dict(body or {}), file)
            input_path = Path(file.name)
        try:
            if body is not None:
                args += ["--input", str(input_path)]
            try:
                done = subprocess.run(args, capture_output=True, text=True, env=self._environ, timeout=120)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise GhError(f"gh api {method} {path}: {exc}") from exc
        finally:
            input_path.unlink(missing_ok=True)
        if done.returncode != 0:
            raise GhError(f"gh api {method} {path} failed: {(done.stderr or done.stdout).strip()[:500]}")
        try:
            return json.loads(done.stdout) if done.stdout.strip() else None
        except ValueError as exc:
            raise GhError(f"gh api {method} {path}: not JSON: {done.stdout[:200]!r}") from exc

    def _find(self, path: str, marker: str, *, skip_pulls: bool = False) -> Found | None:
        separator = "&" if "?" in path else "?"
        for page in range(1, MAX_PAGES + 1):
            items = self.api(f"{path}{separator}per_page={PAGE_SIZE}&page={page}")
            if not isinstance(items, list):
                return None
            for item in items:
                body = item.get("body") or ""
                if body.startswith(marker) and not (skip_pulls and "pull_request" in item):
                    return Found(int(item["id"] if not skip_pulls else item["number"]), body)
            if len(items) < PAGE_SIZE:
                return None
        return None

    # Pull-request comments

    def upsert_comment(self, pull: int, marker: str, body: str) -> tuple[str, int]:
        """Edit our comment, or create it the first time. Returns ("created" | "updated", comment id)."""
        repo = self.repository
        existing = self._find(f"repos/{repo}/issues/{pull}/comments", marker)
        if existing is not None:
            self.api(f"repos/{repo}/issues/comments/{existing.number}", method="PATCH", body={"body": body})
            return "updated", existing.number
        created = self.api(f"repos/{repo}/issues/{pull}/comments", method="POST", body={"body": body})
        return "created", int(created["id"])

    # The drift issue

    def find_open_issue(self, marker: str) -> Found | None:
        return self._find(f"repos/{self.repository}/issues?state=open", marker, skip_pulls=True)

    def open_or_update_issue(self, marker: str, title: str, body: str) -> tuple[str, int]:
        existing = self.find_open_issue(marker)
        if existing is not None:
            self.api(f"repos/{self.repository}/issues/{existing.number}", method="PATCH",
                     body={"title": title, "body": body})
            return "updated", existing.number
        created = self.api(f"repos/{self.repository}/issues", method="POST", body={"title": title, "body": body})
        return "opened", int(created["number"])

    def close_issue(self, number: int, comment: str) -> None:
        self.api(f"repos/{self.repository}/issues/{number}/comments", method="POST", body={"body": comment})
        self.api(f"repos/{self.repository}/issues/{number}", method="PATCH",
                 body={"state": "closed", "state_reason": "completed"})
