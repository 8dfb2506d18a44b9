"""Paths from hostile input (manifests, the project file, the command line) resolved without crashing.

`Path.resolve()` raises `ValueError` for an embedded NUL, `RuntimeError` for a symlink loop and
`OSError` for a name that is too long; each becomes a sentence saying what is wrong with the path.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path
from typing import Literal

NUL_MESSAGE = "contains a NUL character, which no file name can hold"
OUTSIDE_MESSAGE = "leads outside the project (through '..', an absolute path or a symlink)"


def resolve(path: Path) -> Path | str:
    """`path` made absolute with every symlink followed, or why that is impossible."""
    if "\x00" in str(path):
        return NUL_MESSAGE
    try:
        return path.resolve()
    except RuntimeError:  # Python 3.11 and 3.12 raise it for a symlink loop
        return "is a symlink loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symlink loop"
        return f"cannot be used: {exc.strerror or exc}"


def confined(path: Path, root: Path) -> Path | str:
    """`path` resolved, if it stays inside `root` (itself resolved); otherwise why not."""
    resolved = resolve(path)
    if isinstance(resolved, str):
        return resolved
    if not resolved.is_relative_to(root):
        return OUTSIDE_MESSAGE
    return resolved


def kind(path: Path) -> Literal["folder", "file", "other", "missing"]:
    """What is at `path` (following symlinks); "missing" also when the path cannot even be looked up."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return "missing"
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"
