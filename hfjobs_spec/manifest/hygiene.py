"""Checks on every string of a rendered job, whatever its field: no tokens, no NUL, no lone surrogates.

A token can reach any field: written in by mistake, or from `--var`, a values file or a template.
Wherever it is, `render` and `plan` would print it and apply would send it to the Hub in the clear,
so any token-shaped text outside `secrets` is an error (the schema already holds `secrets` to
references). Messages never quote the value. A NUL character cannot be part of a process's
arguments, environment or paths, and a lone surrogate (which a template can build: `'\\ud800'`) is
not text any file or request can carry, so both are refused everywhere too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.tokens import looks_like_token
from hfjobs_spec.manifest.yaml_source import Located, Path_, format_path

_ENV_TOKEN = ("looks like a Hugging Face token; never put tokens in env: declare it under secrets "
              "(e.g. secrets: {{{name}: $HF_TOKEN}})")
_TOKEN = ("holds what looks like a Hugging Face token; a manifest never holds one: declare a secret "
          "instead (e.g. secrets: {HF_TOKEN: $HF_TOKEN}) and let the job read it from its environment")
_NUL = "must not contain a NUL character (no command line, environment or path can hold one)"
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NOT_TEXT = "must be valid text: it holds a lone surrogate (\\ud800-\\udfff), which UTF-8 cannot encode"


def leaf_issues(doc: Located) -> list[ManifestIssue]:
    """One issue per string (or mapping key) of `doc.data` holding a token, a NUL or a lone surrogate."""
    issues = []
    for path, text, is_key in _strings(doc.data, ()):
        if path[:1] == ("secrets",):
            continue
        if looks_like_token(text):
            in_env = path[0] == "env" and len(path) == 2 and not is_key
            message = _ENV_TOKEN.format(name=path[1]) if in_env else _TOKEN
        elif "\x00" in text:
            message = _NUL
        elif _SURROGATE.search(text):
            message = _NOT_TEXT
        else:
            continue
        position = doc.position(path, key=is_key)
        issues.append(ManifestIssue(position.file, position.line, position.column, format_path(path), message))
    return issues


def _strings(value: Any, path: Path_) -> Iterator[tuple[Path_, str, bool]]:
    """Every string in `value` with its path, and whether it is a mapping key (then the path ends at it)."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key, True
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
