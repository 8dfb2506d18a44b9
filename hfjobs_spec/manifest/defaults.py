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
from dataclasses import replace
from typing import Any

from hfjobs_spec.manifest.project import DefaultsLayer
from hfjobs_spec.manifest.schema import (
    ENV_NAME_PATTERN,
    ONE_SHOT_ONLY_FIELDS,
    SCHEDULED_ONLY_FIELDS,
    SCRIPT_ONLY_FIELDS,
)
from hfjobs_spec.manifest.yaml_source import HEADER_LAYER, Located, Node, Path_

MERGED_MAPPINGS = ("env", "labels", "secrets")
_ENV_NAME = re.compile(ENV_NAME_PATTERN)


def apply_defaults(job: Located, layers: Sequence[DefaultsLayer]) -> Located:
    """A new document: `job` over `layers`, with every node recording which file and layer set it."""
    if not layers:
        return job
    data: dict[str, Any] = {}
    merged = Located(data=data, start=job.start)
    for layer in layers:
        _overlay(merged, layer.located, layer.path, layer.name)
    _overlay(merged, job, (), None)
    _drop_misfits(merged, job.data)
    return merged


def inherited(layers: Sequence[DefaultsLayer]) -> Located:
    """What the layers alone give a job (before any shape-based skipping): for comparisons."""
    merged = Located(data={}, start=layers[0].located.start)
    for layer in layers:
        _overlay(merged, layer.located, layer.path, layer.name)
    return merged


def _overlay(target: Located, source: Located, prefix: Path_, layer: str | None) -> None:
    """Lay `source.data[prefix]` over `target`; its nodes take `layer` (None: keep their own)."""
    values: Any = source.data
    for part in prefix:
        values = values[part]
    for key, value in values.items():
        # Only `secrets` has a list shorthand: `env: [A]` stays a list, for validation to refuse.
        if key in MERGED_MAPPINGS and (isinstance(value, dict) or (key == "secrets" and is_name_list(value))):
            current = target.data.get(key)
            target.data[key] = {**(current if isinstance(current, dict) else {}), **as_mapping(value)}
            own = source.nodes.get((*prefix, key))
            if own is not None:
                target.nodes[(key,)] = _relayered(own, layer)
            _copy_children(target, source, (*prefix, key), (key,), value, layer)
        else:
            target.data[key] = value
            target.drop((key,))
            _copy_nodes(target, source, (*prefix, key), (key,), layer)


def _relayered(node: Node, layer: str | None) -> Node:
    return node if layer is None else replace(node, layer=layer)


def is_name_list(value: Any) -> bool:
    """A well-formed `secrets: [A, B]`; anything else stays as written for validation to explain."""
    return (isinstance(value, list) and all(isinstance(item, str) and _ENV_NAME.fullmatch(item) for item in value)
            and len(set(value)) == len(value))


def as_mapping(value: dict[str, Any] | list[Any]) -> dict[str, Any]:
    """`secrets: [A, B]` is shorthand for `{A: $A, B: $B}`; merging needs one form."""
    if isinstance(value, dict):
        return dict(value)
    return {str(item): f"${item}" for item in value}


def _copy_nodes(target: Located, source: Located, old: Path_, new: Path_, layer: str | None) -> None:
    depth = len(old)
    for path, node in source.subtree(old):
        target.nodes[(*new, *path[depth:])] = _relayered(node, layer)


def _copy_children(target: Located, source: Located, old: Path_, new: Path_,
                   value: dict[str, Any] | list[Any], layer: str | None) -> None:
    if isinstance(value, dict):
        for child in value:
            # What a lower layer said about this key (its position, its text as written) no longer holds.
            target.drop((*new, child))
            _copy_nodes(target, source, (*old, child), (*new, child), layer)
        return
    # A list of secret names has no per-key positions; point each name at its list entry.
    for index, item in enumerate(value):
        entry = source.nodes.get((*old, index))
        target.drop((*new, str(item)))
        if entry is not None and entry.value is not None:
            target.nodes[(*new, str(item))] = _relayered(Node(value=entry.value, key=entry.value,
                                                              layer=entry.layer), layer)


def _layer_of(merged: Located, key: str) -> str | None:
    node = merged.nodes.get((key,)) or next((node for _, node in merged.subtree((key,))), None)
    return node.layer if node is not None else None


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
        # A script header asking a scheduled job for a network group is refused, as `hf jobs scheduled
        # uv run` refuses it, rather than dropped: the header belongs to this one job.
        misfits += [key for key in ONE_SHOT_ONLY_FIELDS if key not in own
                    and not (key in data and _layer_of(merged, key) == HEADER_LAYER)]
    for key in misfits:
        if key in data:
            del data[key]
            merged.drop((key,))
