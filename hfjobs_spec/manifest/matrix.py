"""Matrix manifests: one document, one job per combination of values (GitHub Actions' semantics).

    matrix:
      model: [gpt2, llama]
      lr: ["1e-4", "3e-4"]
      exclude: [{model: llama, lr: "3e-4"}]
      include: [{model: llama, batch: 8}, {model: phi, lr: "1e-3"}]

- The dimensions multiply into the original combinations; `exclude` removes every combination
  that matches all of an entry's keys (a partial match is enough).
- Each `include` entry is then added to every remaining original combination it does not
  contradict: it may add keys, and overwrite keys an earlier include added, never an original
  value. An entry that fits no combination becomes a combination of its own.
- At most `MAX_COMBINATIONS` jobs per manifest, as on GitHub.

Each job's name is `name` rendered with `matrix.*` when it uses a template; otherwise `name`
followed by the combination's values (`train-gpt2-0001`). That default depends on the values only,
never on their position, so adding a value to a dimension never renames an existing job; a short
hash of the combination is added only where the values alone could be ambiguous (a value that is
not plain lowercase letters and digits) or the name would exceed 63 characters.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.schema import MATRIX_SCHEMA, NAME_MAX_LENGTH
from hfjobs_spec.manifest.schema_check import make_validator, schema_issues
from hfjobs_spec.manifest.yaml_source import Located, format_path

MAX_COMBINATIONS = 256
# The product is refused before it is built when even a generous exclude list could not bring it down.
_MAX_PRODUCT = 65_536
_RESERVED = ("include", "exclude")
_ONE_JOB_ONLY = ("import", "previous_names")
_VALIDATOR = make_validator({"type": "object", "properties": {"matrix": MATRIX_SCHEMA}})
_PLAIN = re.compile(r"^[a-z0-9]+$")
_HASH_LENGTH = 6

Combination = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """One job of a matrix manifest: the document without `matrix`, and its combination."""

    document: Located
    combination: Combination

    @property
    def label(self) -> str:
        """`model=gpt2, lr=1e-4`: how messages name the combination."""
        return describe(self.combination)


def describe(combination: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={_text(value)}" for key, value in combination.items())


def expand(doc: Located, matrix: Any) -> tuple[list[Variant], list[ManifestIssue]]:
    """The variants of `doc` for `matrix` (already rendered), or the issues that prevent them."""
    checked = Located(data={"matrix": matrix}, start=doc.start, nodes=doc.nodes)
    issues = schema_issues(_VALIDATOR, checked)
    if issues:
        return [], issues
    dimensions = {key: values for key, values in matrix.items() if key not in _RESERVED}
    issues = _value_issues(doc, matrix, dimensions) + [
        _issue(doc, f"`{key}` names one Hub job; a matrix manifest declares one job per combination, so it "
                    "cannot have one (give the job a manifest of its own first)", (key,), key=True)
        for key in _ONE_JOB_ONLY if key in doc.data]
    if issues:
        return [], issues
    size = 1
    for values in dimensions.values():
        size *= len(values)
    if size > _MAX_PRODUCT:
        return [], [_issue(doc, f"the dimensions multiply into {size:,} combinations; at most "
                                f"{MAX_COMBINATIONS} jobs per manifest")]
    combinations = combine(dimensions, matrix.get("exclude", []), matrix.get("include", []))
    if len(combinations) > MAX_COMBINATIONS:
        return [], [_issue(doc, f"expands into {len(combinations):,} combinations; at most {MAX_COMBINATIONS} "
                                "jobs per manifest (split it, or exclude some)")]
    if not combinations:
        return [], [_issue(doc, "expands into no combination at all (exclude removes every one)")]
    base = {key: value for key, value in doc.data.items() if key != "matrix"}
    variants = []
    for combination in combinations:
        variant = Located(data=dict(base), start=doc.start, nodes=dict(doc.nodes))
        variant.drop(("matrix",))
        variants.append(Variant(variant, combination))
    return variants, []


def combine(dimensions: Mapping[str, list[Any]], exclude: list[Combination],
            include: list[Combination]) -> list[Combination]:
    """GitHub Actions' expansion: product, then exclude (partial matches), then include."""
    keys = list(dimensions)
    originals = [dict(zip(keys, values, strict=True)) for values in product(*dimensions.values())] if keys else []
    originals = [combo for combo in originals if not any(_matches(combo, entry) for entry in exclude)]
    extended = [dict(combo) for combo in originals]
    added: list[Combination] = []
    for entry in include:
        fits = False
        for original, combo in zip(originals, extended, strict=True):
            # Only the original values are protected; values an earlier include added may be overwritten.
            if all(original.get(key, value) == value for key, value in entry.items() if key in original):
                combo.update(entry)
                fits = True
        if not fits:
            added.append(dict(entry))
    return extended + added


def _matches(combination: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    return all(key in combination and combination[key] == value for key, value in entry.items())


def default_name(name: str, combination: Mapping[str, Any], dimensions: tuple[str, ...]) -> str:
    """`name` plus the combination's values, label-safe, at most 63 characters, stable.

    The values of the matrix's own dimensions name the job (an include may add other keys without
    renaming it); a combination that an include added whole is named by all its values.
    """
    keys = [key for key in dimensions if key in combination] or list(combination)
    values = [_text(combination[key]) for key in keys]
    slugs = [_slug(value) for value in values]
    ambiguous = any(not _PLAIN.match(value) for value in values)
    candidate = "-".join([name, *slugs])
    if not ambiguous and len(candidate) <= NAME_MAX_LENGTH:
        return candidate
    digest = hashlib.sha256(json.dumps({k: combination[k] for k in keys}, sort_keys=True,
                                       ensure_ascii=True).encode()).hexdigest()[:_HASH_LENGTH]
    head = candidate[: NAME_MAX_LENGTH - _HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value_issues(doc: Located, matrix: Mapping[str, Any], dimensions: Mapping[str, list[Any]]) -> list[ManifestIssue]:
    issues = []
    for key, values in dimensions.items():
        seen: set[str] = set()
        for index, value in enumerate(values):
            shown = json.dumps(value)
            if shown in seen:
                issues.append(_issue(doc, f"{_text(value)!r} is listed twice", ("matrix", key, index)))
            seen.add(shown)
    for index, entry in enumerate(matrix.get("exclude", [])):
        for key in entry:
            if key not in dimensions:
                issues.append(_issue(doc, f"{key!r} is not a dimension of the matrix "
                                          f"({', '.join(dimensions) or 'none'}); exclude names dimensions only",
                                     ("matrix", "exclude", index, key), key=True))
    return issues


def _issue(doc: Located, message: str, path: tuple[str | int, ...] = ("matrix",), *,
           key: bool = False) -> ManifestIssue:
    position = doc.position(path, key=key)
    return ManifestIssue(position.file, position.line, position.column, format_path(path), message)
