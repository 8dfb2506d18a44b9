"""Manifests written as YAML for people to review: keys in the order given, comments, and values that
load back exactly as they were (the loader renders string leaves with Jinja, so template markers in
a value are written as expressions that produce them).

Each top-level key is dumped on its own, so a comment can never land inside a multi-line value.
"""

from __future__ import annotations

import io
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
_RAW, _END_RAW = "{% raw %}", "{% endraw %}"


class _Dumper(yaml.SafeDumper):
    """Never anchors and aliases: a reviewer reads every value where it is used."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # A multi-line text (a `python -c` script) reads best as a literal block; PyYAML falls back to
    # quotes when a block cannot hold it (trailing spaces, for one).
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", str(data),
                                                                              style='"'))


class _QuotingDumper(_Dumper):
    """Texts in quotes only, never blocks."""


_QuotingDumper.add_representer(str, yaml.SafeDumper.represent_str)


def template_safe(value: Any) -> Any:
    """`value` with every string (not mapping keys, which cannot hold braces in a manifest) made
    inert to Jinja: rendering the result gives back `value`."""
    if isinstance(value, str):
        if not _MARKER_START.search(value):
            return value
        # Readable when it can be: `{% raw %}...{% endraw %}`; a text that holds `endraw` itself has each
        # marker's `{` written as an expression.
        escaped = (f"{_RAW}{value}{_END_RAW}" if "endraw" not in value
                   else _MARKER_START.sub(_LITERAL_BRACE, value))
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
        text = _dump({key: template_safe(value)}, _flow_style(value))
        note = comments.get(key)
        if note is None:
            lines.append(text)
        elif "\n" in text or len(text) + len(note) + 4 > WIDTH:
            lines += [f"# {_one_line(note)}", text]
        else:
            lines.append(f"{text}  # {_one_line(note)}")
    return "\n".join(lines) + "\n"


def _flow_style(value: Any) -> bool | None:
    """Scalars and collections holding a multi-line text in block style (the text as a `|` block),
    other collections of scalars in flow style (`[python, -c, ...]`), lists of mappings as block
    lists of flow mappings (`volumes`)."""
    if not isinstance(value, (dict, list)):
        return False
    items = list(value.values()) if isinstance(value, dict) else value
    if any(isinstance(item, str) and "\n" in item for item in items):
        return False
    return True if all(not isinstance(item, (dict, list)) for item in items) else None


def _dump(data: dict[str, Any], flow: bool | None) -> str:
    """`data` (one key) as YAML, the key in block style and its value in `flow`. The most readable
    form that reads back the same and ends where it ends wins: texts as `|` blocks and characters as
    they are, else quoted texts, else escaped characters (YAML reads a raw U+0085 as a line break)."""
    ((key, value),) = data.items()
    for dumper, readable in ((_Dumper, True), (_QuotingDumper, True), (_QuotingDumper, False)):
        representer = dumper(io.StringIO(), default_flow_style=flow, sort_keys=False)
        entry = (yaml.ScalarNode("tag:yaml.org,2002:str", key), representer.represent_data(value))
        top = yaml.MappingNode("tag:yaml.org,2002:map", [entry], flow_style=False)
        text = yaml.serialize(top, Dumper=dumper, allow_unicode=readable, width=WIDTH).rstrip("\n")
        # `...` ends a document: after a `|+` block it would end the manifest too.
        if not text.endswith("\n...") and yaml.safe_load(text) == data:
            return text
    return text  # escaped double quotes always read back


def _one_line(text: str) -> str:
    return safe_text(" ".join(text.split()))
