"""What the Hub accepts as a volume, for the manifest layer and localhub alike.

The manifest checks these before anything is sent, and localhub answers 400 on the same rules, so a
manifest that validates is a request the emulator accepts (tests/unit/test_hub_rules.py holds it).
"""

from __future__ import annotations

import re

VOLUME_TYPES = ("bucket", "model", "dataset", "space")
REPO_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"
REPO_ID_RE = re.compile(REPO_ID_PATTERN)


def is_repository(kind: str) -> bool:
    """Repositories (models, datasets, Spaces) have revisions and are always mounted read-only."""
    return kind != "bucket"


def mount_path_problem(path: str) -> str | None:
    """Why `path` cannot be a mount point, or None: absolute, no `..`, not the root itself."""
    if not path.startswith("/"):
        return "must be an absolute path"
    parts = path.split("/")
    if ".." in parts:
        return "must not contain '..'"
    if all(part in ("", ".") for part in parts):
        return "cannot mount over '/'"
    return None


def sub_path_problem(path: str) -> str | None:
    """Why `path` cannot select a folder inside the source, or None: relative, no `..`, not empty."""
    if not path:
        return "must not be empty"
    if path.startswith("/"):
        return "must be relative to the source (no leading '/')"
    if ".." in path.split("/"):
        return "must not contain '..'"
    return None
