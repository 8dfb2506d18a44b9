"""The one YAML module: parse text into plain data while remembering where every value came from.

PyYAML composes a node graph that carries line and column marks; we build plain Python data
from it ourselves so that every mapping key and value keeps its position, duplicate keys are
errors, and alias expansion is bounded (a "billion laughs" document is refused, not expanded).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from hfjobs_spec.errors import ManifestIssue

MAX_FILE_BYTES = 1_000_000
MAX_NODES_PER_DOCUMENT = 20_000
# Far deeper than any manifest, far shallower than Python's recursion limit.
MAX_DEPTH = 64
# Numbers written in YAML, and numbers templates compute, have at most this many digits. Far below
# Python's 4,300-digit limit on int/str conversion (past it int() and str() raise), and it keeps
# YAML 1.1's base-60 integers (`1:30:00`), whose construction is quadratic, cheap.
MAX_NUMBER_DIGITS = 1_000

Path_ = tuple[str | int, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_CONSTRUCTOR = yaml.SafeLoader("")
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_NULL = "tag:yaml.org,2002:null"
_STANDARD_TAG = "tag:yaml.org,2002:"
# Timestamps stay the text the user wrote: manifests have no date fields, and a str is JSON-safe.
_AS_TEXT = {_STR, "tag:yaml.org,2002:timestamp"}
_TOO_DEEP = f"document is nested too deeply (at most {MAX_DEPTH} levels)"
_TOO_LONG_NUMBER = (f"number is longer than {MAX_NUMBER_DIGITS:,} characters; "
                    "write it in quotes to keep it as text")
_NATIVE = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
           "tag:yaml.org,2002:null"}


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a file."""

    file: str
    line: int
    column: int


MANIFEST_LAYER = "manifest"
# Values from a script's `[tool.hf-jobs]` table: TOML, never a template.
HEADER_LAYER = "script header"


@dataclass(frozen=True)
class Node:
    """What one document knows about the value at one path: where it (and its mapping key) was
    written, how, and which layer of the configuration set it."""

    value: Position | None = None
    key: Position | None = None
    # The text of a number or boolean as written (`1.10`, `yes`), for fields that want strings.
    text: str | None = None
    block: bool = False  # a `|` or `>` block scalar: template lines count from the line after the key
    # A leaf that was one `{{ expression }}` and rendered to something other than text.
    native_template: bool = False
    template: str | None = None  # the template a rendered leaf came from
    # Which layer wrote it: the manifest, a defaults layer of the project file, the script header.
    layer: str = MANIFEST_LAYER


@dataclass
class Located:
    """A parsed YAML document as plain data, with one `Node` per path of a value or mapping key."""

    data: Any
    start: Position
    nodes: dict[Path_, Node] = field(default_factory=dict)

    def position(self, path: Path_, *, key: bool = False) -> Position:
        """Where `path` is (its key with `key=True`), falling back to the nearest enclosing value."""
        node = self.nodes.get(path)
        if key and node is not None and node.key is not None:
            return node.key
        for depth in range(len(path), -1, -1):
            found = self.nodes.get(path[:depth])
            if found is not None and found.value is not None:
                return found.value
        return self.start

    def node(self, path: Path_) -> Node:
        """The node at `path`, or an empty one."""
        return self.nodes.get(path) or _EMPTY

    def update(self, path: Path_, **changes: Any) -> None:
        """Change some facts about `path` (creating its node if needed)."""
        self.nodes[path] = replace(self.node(path), **changes)

    def subtree(self, prefix: Path_) -> Iterator[tuple[Path_, Node]]:
        """Every node at or under `prefix`, with its path."""
        depth = len(prefix)
        return ((path, node) for path, node in list(self.nodes.items()) if path[:depth] == prefix)

    def drop(self, prefix: Path_) -> None:
        """Forget every node at or under `prefix`."""
        for path, _ in self.subtree(prefix):
            del self.nodes[path]

    def written_text(self) -> dict[Path_, str]:
        """Paths of numbers and booleans with their text as written."""
        return {path: node.text for path, node in self.nodes.items() if node.text is not None}


_EMPTY = Node()


class YamlError(Exception):
    """A document could not be parsed; carries a ready `ManifestIssue`."""

    def __init__(self, issue: ManifestIssue) -> None:
        self.issue = issue
        super().__init__(str(issue))


def read_text(path: str, display: str) -> str:
    """Read a manifest file as UTF-8 text, refusing huge and binary files with a clear error."""
    if "\x00" in path:
        raise YamlError(ManifestIssue(display, 1, 1, "", "cannot read file: the path contains a NUL character"))
    try:
        raw = _read_regular_file(path, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise YamlError(ManifestIssue(display, 1, 1, "", f"cannot read file: {exc.strerror or exc}")) from None
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(
            ManifestIssue(display, 1, 1, "",
                          f"file is larger than {MAX_FILE_BYTES:,} bytes; is it a manifest?")
        )
    if b"\x00" in raw:
        raise YamlError(ManifestIssue(display, 1, 1, "", "file is binary, not YAML text"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(ManifestIssue(display, line, 1, "", "file is not valid UTF-8 text")) from None


def _read_regular_file(path: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file. Opening without blocking, then checking what was
    opened, means a FIFO or a device in place of a manifest is refused instead of waited on."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(0, "not a regular file")
        return handle.read(limit)


def parse_documents(text: str, display: str) -> Iterator[Located]:
    """Yield each non-empty document of `text`; raise `YamlError` at the first unparseable one."""
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL and node.value == ""):
                continue  # an empty document, e.g. only a comment between two `---`
            yield _Builder(display).build(node)
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_issue_from_yaml_error(exc, display, text)) from None
    except yaml.YAMLError as exc:
        raise YamlError(ManifestIssue(display, 1, 1, "", f"invalid YAML: {exc}")) from None
    except RecursionError:  # the pure-Python parser recurses per level; libyaml stops at its own limit
        raise YamlError(ManifestIssue(display, 1, 1, "", _TOO_DEEP)) from None


def _issue_from_yaml_error(exc: yaml.MarkedYAMLError, display: str, text: str) -> ManifestIssue:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    problem = exc.problem or "invalid YAML"
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in problem or "'\\t'" in problem or (source_line[: column].strip() == "" and "\t" in source_line):
        message = "tab character in indentation; YAML indents with spaces only"
    elif "nesting depth" in problem:
        message = _TOO_DEEP
    elif exc.context == "while scanning an alias" and source_line[column - 2: column - 1] == "*":
        # `schedule: */5 * * * *` unquoted: YAML reads the `*` as the start of an alias.
        message = "a value starting with * must be quoted (YAML reads *NAME as an alias): e.g. \"*/5 * * * *\""
    elif "undefined alias" in problem:
        alias = re.match(r"\*([^\s,\]}]+)", source_line[column - 1:])
        name = alias.group(1) if alias else "NAME"
        message = (f"unknown alias *{name}: define &{name} earlier in the same document "
                   "(anchors do not carry across `---`)")
    else:
        message = f"invalid YAML: {problem}"
        if exc.context:
            message += f" ({exc.context})"
    return ManifestIssue(display, line, column, "", message)


class _Builder:
    """Turns one composed node graph into plain data plus positions."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.nodes = 0
        self.located: Located | None = None
        # The collections being built, innermost last: an alias back to one of them is a cycle.
        self._open: list[yaml.Node] = []

    def build(self, node: yaml.Node) -> Located:
        self.located = Located(data=None, start=self._pos(node))
        self.located.data = self._value(node, ())
        return self.located

    def _pos(self, node: yaml.Node) -> Position:
        return Position(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def _fail(self, node: yaml.Node, path: Path_, message: str) -> YamlError:
        pos = self._pos(node)
        return YamlError(ManifestIssue(self.display, pos.line, pos.column, format_path(path), message))

    def _value(self, node: yaml.Node, path: Path_) -> Any:
        assert self.located is not None
        self.nodes += 1
        if self.nodes > MAX_NODES_PER_DOCUMENT:
            raise self._fail(node, (), f"document expands to more than {MAX_NODES_PER_DOCUMENT:,} values "
                                       "(exploding aliases?)")
        if any(node is open_node for open_node in self._open):
            raise self._fail(node, path, "recursive alias: a value cannot contain itself")
        if len(self._open) >= MAX_DEPTH:
            raise self._fail(node, (), _TOO_DEEP)
        self.located.update(path, value=self._pos(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self._open.append(node)
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self._value(item, (*path, index)) for index, item in enumerate(node.value)]
        finally:
            self._open.pop()

    def _scalar(self, node: yaml.Node, path: Path_) -> Any:
        assert self.located is not None
        if node.tag in _AS_TEXT:
            if getattr(node, "style", None) in ("|", ">"):
                self.located.update(path, block=True)
            return str(node.value)
        if node.tag in _NATIVE:
            if len(node.value) > MAX_NUMBER_DIGITS:
                raise self._fail(node, path, _TOO_LONG_NUMBER)
            self.located.update(path, text=str(node.value))
            return _native(node)
        tag = "!!" + node.tag.removeprefix(_STANDARD_TAG) if node.tag.startswith(_STANDARD_TAG) else node.tag
        raise self._fail(node, path, f"unsupported YAML tag {tag!r}; manifests hold plain data only")

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        assert self.located is not None
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in self._pairs_with_merges(node, path):
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._fail(key_node, path, "mapping keys must be plain text")
            # The text as written: `on:` stays "on" instead of YAML 1.1's True.
            key = str(key_node.value)
            if key in seen:
                if getattr(key_node, "merged", False):
                    continue  # a key from a `<<` merge never overrides an explicit one
                first = seen[key].start_mark.line + 1
                raise self._fail(key_node, (*path, key),
                                 f"duplicate key {key!r} (first defined on line {first})")
            seen[key] = key_node
            self.located.update((*path, key), key=self._pos(key_node))
            result[key] = self._value(value_node, (*path, key))
        return result

    def _pairs_with_merges(self, node: yaml.MappingNode, path: Path_) -> list[tuple[yaml.Node, yaml.Node]]:
        explicit: list[tuple[yaml.Node, yaml.Node]] = []
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                explicit.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise self._fail(source, path, "a `<<` merge needs a mapping or a list of mappings")
                for inner_key, inner_value in source.value:
                    copy = yaml.ScalarNode(inner_key.tag, inner_key.value,
                                           inner_key.start_mark, inner_key.end_mark)
                    copy.merged = True  # type: ignore[attr-defined]
                    merged.append((copy, inner_value))
        return explicit + merged


def _native(node: yaml.Node) -> Any:
    """A number, boolean or null, as PyYAML's safe loader reads it (YAML 1.1: `yes`, `0x1f`, `1:30`)."""
    return _SCALAR_CONSTRUCTOR.yaml_constructors[node.tag](_SCALAR_CONSTRUCTOR, node)


def parse_scalar(text: str) -> Any:
    """`text` read as one YAML scalar, typed like a manifest value (`3` is a number, `'3'` text).

    Anything that is not a plain scalar (a list, a mapping, a date, invalid YAML) is `text` itself:
    structure only comes from files. A number too long to be one raises `YamlError`.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return text
    if not isinstance(node, yaml.ScalarNode):
        return text
    if node.tag in _NATIVE:
        if len(node.value) > MAX_NUMBER_DIGITS:
            raise YamlError(ManifestIssue("", 0, 0, "", _TOO_LONG_NUMBER))
        return _native(node)
    return str(node.value) if node.tag == _STR else text


def format_path(path: Path_) -> str:
    """`("volumes", 0, "mount_path")` -> `volumes[0].mount_path`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
