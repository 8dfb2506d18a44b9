"""Apply project and environment defaults to a job document, keeping every value's true position.

Precedence, lowest first: project defaults, environment defaults, the manifest. Mappings (`env`,
`labels`, `secrets`) merge key by key; any other field is replaced whole. Fields that only make
sense for one shape of job are not forced onto the other: `image`/`command` defaults skip script
jobs, `script_args`/`dependencies`/`python` skip image jobs, `suspend`/`concurrency` skip jobs
without a schedule, `network`/`on` skip scheduled jobs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hfjobs_spec.manifest.project import DefaultsLayer
from hfjobs_spec.manifest.schema import (
    ENV_NAME_PATTERN,
    ONE_SHOT_ONLY_FIELDS,
    SCHEDULED_ONLY_FIELDS,
    SCRIPT_ONLY_FIELDS,
)
from hfjobs_spec.manifest.yaml_source import Located, Path_

MERGED_MAPPINGS = ("env", "labels", "secrets")
_ENV_NAME = re.compile(ENV_NAME_PATTERN)


def apply_defaults(job: Located, layers: Sequence[DefaultsLayer]) -> Located:
    """A new document: `job` over `layers`, with positions pointing at whichever file set each value."""
    if not layers:
        return job
    data: dict[str, Any] = {}
    merged = Located(data=data, start=job.start)
    for layer in layers:
        _overlay(merged, layer.located, layer.path)
    _overlay(merged, job, ())
    _drop_misfits(merged, job.data)
    return merged


def _overlay(target: Located, source: Located, prefix: Path_) -> None:
    values: Any = source.data
    for part in prefix:
        values = values[part]
    for key, value in values.items():
        # Only `secrets` has a list shorthand: `env: [A]` stays a list, for validation to refuse.
        if key in MERGED_MAPPINGS and (isinstance(value, dict) or (key == "secrets" and _is_name_list(value))):
            current = target.data.get(key)
            target.data[key] = {**(current if isinstance(current, dict) else {}), **_as_mapping(value)}
            for table_name in ("values", "keys"):
                position = getattr(source, table_name).get((*prefix, key))
                if position is not None:
                    getattr(target, table_name)[(key,)] = position
            _copy_children(target, source, (*prefix, key), (key,), value)
        else:
            target.data[key] = value
            _drop_positions(target, (key,))
            _copy_positions(target, source, (*prefix, key), (key,))


def _is_name_list(value: Any) -> bool:
    """A well-formed `secrets: [A, B]`; anything else stays as written for validation to explain."""
    return (isinstance(value, list) and all(isinstance(item, str) and _ENV_NAME.fullmatch(item) for item in value)
            and len(set(value)) == len(value))


def _as_mapping(value: dict[str, Any] | list[Any]) -> dict[str, Any]:
    """`secrets: [A, B]` is shorthand for `{A: $A, B: $B}`; merging needs one form."""
    if isinstance(value, dict):
        return dict(value)
    return {str(item): f"${item}" for item in value}


def _copy_positions(target: Located, source: Located, old: Path_, new: Path_) -> None:
    depth = len(old)
    for table_name in ("values", "keys", "scalar_text"):
        table = getattr(source, table_name)
        out = getattr(target, table_name)
        for path, position in table.items():
            if path[:depth] == old:
                out[(*new, *path[depth:])] = position
    for path in source.block_scalars:
        if path[:depth] == old:
            target.block_scalars.add((*new, *path[depth:]))


def _copy_children(target: Located, source: Located, old: Path_, new: Path_,
                   value: dict[str, Any] | list[Any]) -> None:
    if isinstance(value, dict):
        for child in value:
            # What a lower layer said about this key (its position, its text as written) no longer holds.
            _drop_positions(target, (*new, child))
            _copy_positions(target, source, (*old, child), (*new, child))
        return
    # A list of secret names has no per-key positions; point each name at its list entry.
    for index, item in enumerate(value):
        position = source.values.get((*old, index))
        _drop_positions(target, (*new, str(item)))
        if position is not None:
            target.values[(*new, str(item))] = position
            target.keys[(*new, str(item))] = position


def _drop_positions(target: Located, prefix: Path_) -> None:
    depth = len(prefix)
    for table in (target.values, target.keys, target.scalar_text):
        for path in [p for p in table if p[:depth] == prefix]:
            del table[path]
    target.block_scalars -= {p for p in target.block_scalars if p[:depth] == prefix}


def _drop_misfits(merged: Located, own: dict[str, Any]) -> None:
    """Remove defaults that do not fit this job's shape (see module docstring)."""
    data = merged.data
    misfits: list[str] = []
    if "script" in data:
        misfits += [key for key in ("image", "command") if key not in own]
    else:
        misfits += [key for key in SCRIPT_ONLY_FIELDS if key not in own]
    if "schedule" not in data:
        misfits += [key for key in SCHEDULED_ONLY_FIELDS if key not in own]
    else:
        misfits += [key for key in ONE_SHOT_ONLY_FIELDS if key not in own]
    for key in misfits:
        if key in data:
            del data[key]
            _drop_positions(merged, (key,))
