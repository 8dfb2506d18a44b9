"""Where each field of a job came from (`render --explain`), and values a manifest repeats needlessly.

Every node of a job document records the layer that wrote it (the manifest, the project's or the
environment's defaults, the script header) and where. A leaf that was a template is traced one step
further, to the variables it reads (`--var`, a values file, the project's or environment's `vars`)
or the matrix value; a field nobody set is the built-in default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.defaults import MERGED_MAPPINGS, as_mapping, inherited, is_name_list
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import DefaultsLayer, Project
from hfjobs_spec.manifest.yaml_source import MANIFEST_LAYER, Located, Path_, format_path

BUILT_IN = "built-in default"
_VAR_REFERENCE = re.compile(r"\bvars((?:\.[A-Za-z_]\w*|\[['\"][^'\"]+['\"]\])+)")
_MATRIX_REFERENCE = re.compile(r"\bmatrix\.([A-Za-z_]\w*)")
_PER_KEY = ("env", "labels", "secrets")
_DERIVED = {"kind": "derived from `schedule`"}


@dataclass(frozen=True)
class FieldOrigin:
    """One field of one job: its value as `render` shows it, the origin, and where (file:line, a flag)."""

    field: str
    value: Any
    origin: str
    where: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "origin": self.origin, "where": self.where,
                "detail": self.detail}


def explain(spec: JobSpec, job: Located, rendered: Located, project: Project,
            default_named: bool) -> tuple[FieldOrigin, ...]:
    """Every field of `spec.canonical()` with its origin."""
    found: list[FieldOrigin] = []
    for key, value in spec.canonical().items():
        if key in _PER_KEY and isinstance(value, dict):
            found += [_origin(f"{key}.{name}", item, (key, name), job, rendered, project)
                      for name, item in value.items()]
            if not value:
                found.append(FieldOrigin(key, value, *_unset(key, rendered, project)))
        elif key in _DERIVED:
            found.append(FieldOrigin(key, value, _DERIVED[key]))
        elif key == "name" and default_named:
            origin = _origin(key, value, (key,), job, rendered, project)
            found.append(FieldOrigin(key, value, origin.origin, origin.where, "the name plus the matrix values"))
        else:
            found.append(_origin(key, value, (key,), job, rendered, project))
    return tuple(found)


def _origin(field: str, value: Any, path: Path_, job: Located, rendered: Located, project: Project) -> FieldOrigin:
    if not _present(rendered.data, path):
        return FieldOrigin(field, value, *_unset(path[0], rendered, project))
    node = rendered.nodes.get(path) or rendered.nodes.get(path[:1])
    layer = node.layer if node is not None else MANIFEST_LAYER
    position = rendered.position(path)
    where = f"{position.file}:{position.line}"
    template = _template_under(rendered, path)
    if template is None:
        return FieldOrigin(field, value, layer, where)
    return _traced(field, value, template, where, project)


def _traced(field: str, value: Any, template: str, where: str, project: Project) -> FieldOrigin:
    """A templated leaf: the variables it reads, the latest of which names the origin."""
    reads = []
    origin, at = "template", where
    for reference in _VAR_REFERENCE.findall(template):
        path = tuple(part for part in re.split(r"\.|\[['\"]|['\"]\]", reference) if part)
        reads.append("vars." + ".".join(path))
        source = _var_source(path, project)
        if source is not None:
            origin, at = source
    for name in _MATRIX_REFERENCE.findall(template):
        reads.append(f"matrix.{name}")
        if origin == "template":
            origin = "matrix"
    detail = f"template at {where}" + (f" reads {', '.join(reads)}" if reads else "")
    return FieldOrigin(field, value, origin, at if origin != "matrix" else where, detail)


def _var_source(path: tuple[str, ...], project: Project) -> tuple[str, str] | None:
    """The last layer that set `vars.<path>` (or something under it, or the mapping holding it)."""
    best = None
    for set_path, origin, where in project.var_origins:
        shorter = min(len(set_path), len(path))
        if set_path[:shorter] == path[:shorter]:
            best = (origin, where)
    return best


def _template_under(rendered: Located, path: Path_) -> str | None:
    depth = len(path)
    for at, node in rendered.nodes.items():
        if node.template is not None and at[:depth] == path:
            return node.template
    return None


def _unset(key: str | int, rendered: Located, project: Project) -> tuple[str, str]:
    if key == "namespace":
        return project.namespace_origin if project.namespace_origin[0] else ("the token's user", "")
    return BUILT_IN, ""


def _present(data: Any, path: Path_) -> bool:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return isinstance(data, list) and part in data  # `secrets: [A, B]`
        data = data[part]
    return True


def redundant_values(doc: Located, layers: Sequence[DefaultsLayer]) -> list[ManifestIssue]:
    """A warning for each value the manifest sets to what it would inherit anyway."""
    if not layers or not isinstance(doc.data, dict):
        return []
    below = inherited(layers)
    warnings = []
    for key, value in doc.data.items():
        if key not in below.data:
            continue
        lower = below.data[key]
        if key in MERGED_MAPPINGS:
            mine, theirs = _mapping(value), _mapping(lower)
            if mine is not None and theirs is not None:
                warnings += [_warning(doc, below, (key, name)) for name, item in mine.items()
                             if name in theirs and theirs[name] == item]
                continue
        if value == lower:
            warnings.append(_warning(doc, below, (key,)))
    return warnings


def _mapping(value: Any) -> Mapping[str, Any] | None:
    return as_mapping(value) if isinstance(value, dict) or is_name_list(value) else None


def _warning(doc: Located, below: Located, path: Path_) -> ManifestIssue:
    position = doc.position(path, key=True)
    node = below.node(path)
    source = below.position(path)
    message = (f"the same value as {node.layer} ({source.file}:{source.line}) gives it; "
               "remove it here to inherit it")
    return ManifestIssue(position.file, position.line, position.column, format_path(path), message, "warning")
