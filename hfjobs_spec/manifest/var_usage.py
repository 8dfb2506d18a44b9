"""Which template variables the project's templates use, read from the templates themselves.

A `--var` no template uses is most often a typo (`--var modle=...`), and it silently changes
nothing. "Used" is decided statically, over every template source the project holds: every
manifest in jobs_dir and every string of hfjobs.yaml (the defaults of all environments
included), whether or not this run renders it, so a variable used only under `-E prod`, or only
inside an `{% if %}`, still counts. A template that uses `vars` as a whole (`vars | tojson`,
`vars[key]`, `vars.items()`) may use any of them; then nothing is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, nodes

_MARKERS = ("{{", "{%", "{#")
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_PARSER = Environment(autoescape=False)  # parsing only: nothing is compiled or rendered here


def strings(value: Any) -> Iterator[str]:
    """Every string leaf of parsed YAML data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def used_vars(sources: Iterable[str]) -> frozenset[str] | None:
    """The top-level keys of `vars` the templates among `sources` use; None if any may use them all."""
    used: set[str] = set()
    for source in sources:
        if not any(marker in source for marker in _MARKERS):
            continue
        try:
            tree = _PARSER.parse(source)
        except TemplateSyntaxError:
            return None  # reported as an error where it is rendered; here, it could use anything
        if not _collect(tree, used):
            return None
    return frozenset(used)


def _collect(node: nodes.Node, used: set[str]) -> bool:
    """Add the `vars.KEY` and `vars['KEY']` of `node` to `used`; False if `vars` is used whole."""
    if isinstance(node, nodes.Getattr) and _is_vars(node.node):
        if node.attr in _DICT_METHODS:
            return False
        used.add(node.attr)
        return True
    if isinstance(node, nodes.Getitem) and _is_vars(node.node):
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            used.add(node.arg.value)
            return True
        return False
    if _is_vars(node):
        return False
    return all(_collect(child, used) for child in node.iter_child_nodes())


def _is_vars(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "vars"


def unused(assigned: Iterable[str], used: frozenset[str] | None) -> list[str]:
    """The top-level keys of `assigned` (`a` of `a.b=1`) that no template uses, in the order given."""
    if used is None:
        return []
    keys = dict.fromkeys(assignment.partition("=")[0].strip().split(".")[0] for assignment in assigned)
    return [key for key in keys if key and key not in used]
