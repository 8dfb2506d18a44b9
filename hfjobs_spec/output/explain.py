"""`render --explain`: every field of every job, its value, and where it came from."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.origins import FieldOrigin

JSON_FORMAT_VERSION = 1
_MAX_VALUE = 48


def text_output(specs: Sequence[JobSpec], origins: Mapping[str, tuple[FieldOrigin, ...]]) -> str:
    blocks = []
    for spec in specs:
        rows = origins.get(spec.name, ())
        where = f"{spec.source.file}:{spec.source.line}" if spec.source else ""
        matrix = f" (matrix: {spec.source.combination})" if spec.source and spec.source.matrix else ""
        lines = [f"# {spec.name}  {where}{matrix}"]
        width = max((len(row.field) for row in rows), default=0)
        value_width = min(max((len(_shown(row.value)) for row in rows), default=0), _MAX_VALUE)
        for row in rows:
            origin = row.origin + (f" {row.where}" if row.where else "")
            detail = f"  ({row.detail})" if row.detail else ""
            lines.append(f"  {row.field:<{width}}  {_shown(row.value):<{value_width}}  {origin}{detail}".rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def json_output(specs: Sequence[JobSpec], origins: Mapping[str, tuple[FieldOrigin, ...]]) -> str:
    document = {"format_version": JSON_FORMAT_VERSION,
                "jobs": [{"name": spec.name, "fields": [row.to_dict() for row in origins.get(spec.name, ())]}
                         for spec in specs]}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."
