"""Manifests written as YAML for people to review: keys in the order given, comments, and values that
load back exactly as they were (the loader renders string leaves with Jinja, so template markers in
a value are written as expressions that produce them).

Each top-level key is dumped on its own, so a comment can never land inside a multi-line value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from hfjobs_spec.manifest.tokens import safe_text
from hfjobs_spec.reconcile.export_document import Quoted

WIDTH = 100
# `{{`, `{%` and `{#` start Jinja syntax; each such `{` is written as an expression that yields it.
_MARKER_START = re.compile(r"\{(?=[{%#])")
_LITERAL_BRACE = "{{ '{' }}"


class _Dumper(yaml.SafeDumper):
    """Never anchors and aliases: a reviewer reads every value where it is used."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", str(data),
                                                                              style='"'))


def template_safe(value: Any) -> Any:
    """`value` with every string (not mapping keys, which cannot hold braces in a manifest) made
    inert to Jinja: rendering the result gives back `value`."""
    if isinstance(value, str):
        escaped = _MARKER_START.sub(_LITERAL_BRACE, value)
        return Quoted(escaped) if isinstance(value, Quoted) else escaped
    if isinstance(value, dict):
        return {key: template_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [template_safe(item) for item in value]
    return value


def manifest_yaml(document: Mapping[str, Any], *, header: Sequence[str] = (), modeline: str | None = None,
                  comments: Mapping[str, str] | None = None) -> str:
    """One manifest document as YAML text. `comments` are keyed by top-level key (a comment goes at
    the end of a one-line value, else on its own line above the key); `header` lines come first."""
    comments = comments or {}
    lines = [f"# yaml-language-server: $schema={modeline}"] if modeline else []
    lines += [f"# {_one_line(text)}" for text in header]
    for key, value in document.items():
        # Collections of scalars in flow style (`[python, -c, ...]`), the document itself in block style.
        flow = None if isinstance(value, (dict, list)) else False
        text = _dump({key: template_safe(value)}, flow)
        note = comments.get(key)
        if note is None:
            lines.append(text)
        elif "\n" in text or len(text) + len(note) + 4 > WIDTH:
            lines += [f"# {_one_line(note)}", text]
        else:
            lines.append(f"{text}  # {_one_line(note)}")
    return "\n".join(lines) + "\n"


def _dump(data: dict[str, Any], flow: bool | None) -> str:
    """`data` as YAML; characters written as they are when they read back the same (YAML reads a
    raw U+0085 or U+2028 as a line break, for one), else escaped."""
    def dump(readable: bool) -> str:
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=readable, width=WIDTH,
                         default_flow_style=flow)

    text = dump(True)
    if yaml.safe_load(text) != data:
        text = dump(False)
    return text.rstrip("\n")


def _one_line(text: str) -> str:
    return safe_text(" ".join(text.split()))
