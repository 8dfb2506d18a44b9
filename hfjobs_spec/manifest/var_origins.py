"""Where each template variable and the namespace were set: for `render --explain`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hfjobs_spec.manifest.yaml_source import Located, Path_


def where(located: Located, path: Path_) -> str:
    position = located.position(path)
    return f"{position.file}:{position.line}"


def var_origins(values: Any, origin: str, located: Located | None, prefix: Path_,
                 shown: str = "") -> list[tuple[Path_, str, str]]:
    """Every path of `values` (mappings walked, other values leaves) with where it was set."""
    found: list[tuple[Path_, str, str]] = []
    if not isinstance(values, Mapping):
        return found
    for key, value in values.items():
        path = (*prefix, key)
        set_at = where(located, path) if located is not None else shown
        found.append(((key,), origin, set_at))
        found += [((key, *sub), kind, at)
                  for sub, kind, at in var_origins(value, origin, located, path, shown)]
    return found
