"""`render` output: the canonical jobs as YAML documents or one JSON document, byte-stable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.schema import API_VERSION

JSON_FORMAT_VERSION = 1


def spec_document(spec: JobSpec) -> dict[str, Any]:
    """What a job means after rendering and defaults; secrets appear as references only."""
    return {"apiVersion": API_VERSION, **spec.canonical(), "spec_hash": spec.spec_hash}


def yaml_output(specs: Sequence[JobSpec]) -> str:
    parts = []
    for spec in specs:
        header = f"# {spec.source.file}:{spec.source.line}\n" if spec.source else ""
        body = yaml.safe_dump(spec_document(spec), sort_keys=False, allow_unicode=True, width=100)
        parts.append(f"---\n{header}{body}")
    return "".join(parts)


def json_output(specs: Sequence[JobSpec]) -> str:
    document = {"format_version": JSON_FORMAT_VERSION, "jobs": [spec_document(spec) for spec in specs]}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
