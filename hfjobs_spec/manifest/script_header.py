"""The `[tool.hf-jobs]` table of a local uv script's PEP 723 header, as a layer of job defaults.

`hf jobs uv run` (huggingface_hub >= 1.32) reads launch settings from the script itself:

    # /// script
    # dependencies = ["torch"]
    # [tool.hf-jobs]
    # flavor = "a10g-small"
    # timeout = "2h"
    # secrets = ["HF_TOKEN"]
    # ///

The keys and their types are the client's (`huggingface_hub.cli._uv_script_header`): strings for
image, flavor, python, name, namespace and network_group; `timeout` a duration string or a number
of seconds; `env` and `labels` tables of strings; `secrets` a list of names (never values: scripts
travel); `volumes` a list of `hf://[TYPE/]ID[@REVISION][/PATH]:/MOUNT[:ro|:rw]` mounts;
`network_aliases` a list of strings. The header's own `dependencies` stay with uv, as before.

The table becomes a `Located` document whose nodes point into the script, so a value that the job
schema refuses is reported at the script's file:line. TOML parsers keep no positions: the line of a
key is found by scanning the header block for `key =` (inside `[tool.hf-jobs]` and its sub-tables),
and the line of a table entry by scanning for its own key after the table's; a value the scan cannot
place points at the `[tool.hf-jobs]` line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.project import DefaultsLayer
from hfjobs_spec.manifest.schema import JOB_PROPERTIES
from hfjobs_spec.manifest.secret_refs import is_template, referenced_names
from hfjobs_spec.manifest.semantics import ScriptFile, ScriptReader, is_url
from hfjobs_spec.manifest.yaml_source import HEADER_LAYER, Located, Node, Path_, Position

TABLE = "tool.hf-jobs"
_BLOCK = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")
_STRING_KEYS = ("image", "flavor", "python", "name", "namespace", "network_group")
_TABLE_KEYS = ("env", "labels")
_LIST_KEYS = ("secrets", "volumes", "network_aliases")
# In the order `hf jobs uv run` lists them.
KEYS = ("image", "flavor", "python", "timeout", "name", "namespace", "network_group", "env", "secrets", "labels",
        "volumes", "network_aliases")
_VOLUME_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space", "buckets": "bucket"}


@dataclass(frozen=True)
class ScriptHeader:
    """The header as a defaults layer (None: the script has no `[tool.hf-jobs]` table), or its errors."""

    layer: DefaultsLayer | None
    issues: tuple[ManifestIssue, ...] = ()


class HeaderReader:
    """The headers of a project's local scripts, each read and parsed once."""

    def __init__(self, scripts: ScriptReader) -> None:
        self.scripts = scripts
        self._cache: dict[str, ScriptHeader] = {}

    def read(self, script: Any) -> ScriptHeader:
        """The header of `script` (a manifest's rendered `script` value). A URL, or a script that
        cannot be read (validation says why), has none."""
        if not isinstance(script, str) or is_url(script):
            return ScriptHeader(None)
        loaded = self.scripts.read(script)
        if not isinstance(loaded, ScriptFile):
            return ScriptHeader(None)
        header = self._cache.get(loaded.path)
        if header is None:
            header = self._cache[loaded.path] = read_header(loaded.content, loaded.path)
        return header

    def secret_names(self, jobs: Sequence[Located | None]) -> frozenset[str]:
        """The secret names of the headers of `jobs`' scripts, before rendering (for `env()` to refuse).

        A script path that is a template is only known once rendered: its header's names are still
        the job's secrets (and masked), but `env()` cannot be told about them beforehand.
        """
        names: set[str] = set()
        for job in jobs:
            script = job.data.get("script") if job is not None else None
            layer = None if is_template(script) else self.read(script).layer
            if layer is not None:
                names |= referenced_names(layer.values.get("secrets"))
        return frozenset(names)


def read_header(content: str, display: str) -> ScriptHeader:
    """The `[tool.hf-jobs]` table of `content` (the script's text), shown as `display` in messages."""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    block = next((m for m in _BLOCK.finditer(text) if m.group("type") == "script"), None)
    if block is None or "hf-jobs" not in block.group("content"):
        return ScriptHeader(None)
    first_line = text[: block.start("content")].count("\n") + 1
    lines = [line[2:] if line.startswith("# ") else line[1:]
             for line in block.group("content").splitlines(keepends=True)]
    finder = _LineFinder(lines, first_line, display)
    try:
        document = tomllib.loads("".join(lines))
    except RecursionError:
        return ScriptHeader(None, (ManifestIssue(display, first_line, 1, TABLE,
                                                 "the script header is nested too deeply"),))
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11 keeps the position only in the message: "... (at line 3, column 10)".
        at = re.search(r"\(at line (\d+)", str(exc))
        line = first_line + (int(at.group(1)) - 1 if at else 0)
        message = str(exc).split(" (at ", 1)[0]
        return ScriptHeader(None, (ManifestIssue(display, line, 1, TABLE,
                                                 f"invalid TOML in the script's PEP 723 header: {message}"),))
    tool = document.get("tool", {})
    table = tool.get("hf-jobs") if isinstance(tool, dict) else None
    if table is None:
        return ScriptHeader(None)
    if not isinstance(table, dict):
        return ScriptHeader(None, (finder.issue((), f"`{TABLE}` must be a table ([{TABLE}])"),))
    data, issues = _convert(table, finder)
    if issues:
        return ScriptHeader(None, tuple(issues))
    located = Located(data={"header": data}, start=finder.position(()))
    for path, position in finder.positions(data).items():
        located.nodes[("header", *path)] = Node(value=position, key=position, layer=HEADER_LAYER)
    return ScriptHeader(DefaultsLayer(located, ("header",), HEADER_LAYER))


def _convert(table: dict[str, Any], finder: _LineFinder) -> tuple[dict[str, Any], list[ManifestIssue]]:
    """The table in manifest terms, or the errors that stop it (types as `hf jobs uv run` checks them)."""
    issues: list[ManifestIssue] = []
    data: dict[str, Any] = {}

    def fail(key: str, expected: str, *sub: str) -> None:
        issues.append(finder.issue((key, *sub), f"{'.'.join((key, *sub))} in [{TABLE}] must be {expected}"))

    for key, value in table.items():
        if key not in KEYS:
            issues.append(finder.issue((key,), f"unknown key {key!r} in [{TABLE}]; "
                                               f"known keys: {', '.join(sorted(KEYS))}"))
        elif key in _STRING_KEYS:
            if not isinstance(value, str):
                fail(key, "a string")
            else:
                data[key] = value
        elif key == "timeout":
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                fail(key, 'a duration string (e.g. "30m") or a number of seconds')
            else:
                data[key] = value
        elif key in _TABLE_KEYS:
            if not isinstance(value, dict):
                fail(key, "a table of strings")
                continue
            bad = [name for name, item in value.items() if not isinstance(item, str)]
            for name in bad:
                fail(key, "a string", name)
            if not bad:
                data[key] = dict(value)
        elif key == "secrets" and isinstance(value, dict):
            issues.append(finder.issue((key,), f"secrets in [{TABLE}] must be a list of names "
                                               "(secrets = [\"HF_TOKEN\"]): scripts travel, so values are read "
                                               "from the environment of whoever applies"))
        elif not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            fail(key, "a list of strings")
        elif key == "volumes":
            volumes = [_volume(spec) for spec in value]
            for index, volume in enumerate(volumes):
                if isinstance(volume, str):
                    issues.append(finder.issue((key,), f"volumes[{index}] in [{TABLE}]: {volume}"))
            data[key] = volumes
        else:
            data[key] = list(value)
    network = {k: data.pop(k) for k in ("network_group", "network_aliases") if k in data}
    if network and "network" not in JOB_PROPERTIES:
        issues.append(finder.issue((next(iter(network)),), "network_group and network_aliases in the script "
                                                           "header are not supported by this version of hfjobs-spec"))
    elif network:
        data["network"] = {key.removeprefix("network_"): value for key, value in network.items()}
    return data, issues


def _volume(spec: str) -> dict[str, Any] | str:
    """`hf://datasets/org/ds@v1/sub:/data:ro` as a manifest volume, or why it is not one."""
    if not spec.startswith("hf://"):
        return (f"{spec!r} is not an hf:// mount; hfjobs-spec mounts Hub repositories and buckets only "
                "(local folders are synced by `hf jobs uv run` itself)")
    body, read_only = spec[len("hf://"):], None
    for suffix, flag in ((":ro", True), (":rw", False)):
        if body.endswith(suffix):
            body, read_only = body[: -len(suffix)], flag
    location, sep, mount = body.rpartition(":/")
    if not sep:
        return f"{spec!r} has no mount path (hf://SOURCE:/MOUNT_PATH)"
    parts = location.split("/")
    kind = _VOLUME_TYPES.get(parts[0], "")
    if kind:
        parts = parts[1:]
    if len(parts) < 2:
        return f"{spec!r} needs a source of the form namespace/name"
    name, _, revision = parts[1].partition("@")
    volume: dict[str, Any] = {"type": kind or "model", "source": f"{parts[0]}/{name}", "mount_path": "/" + mount}
    if revision:
        volume["revision"] = revision
    if len(parts) > 2:
        volume["path"] = "/".join(parts[2:])
    if read_only is not None:
        volume["read_only"] = read_only
    return volume


class _LineFinder:
    """Lines of keys in the header block: TOML parsers keep no positions, so we scan for `key =`."""

    def __init__(self, lines: list[str], first_line: int, display: str) -> None:
        self.lines = lines
        self.first_line = first_line
        self.display = display
        table = re.compile(r"^\s*\[\s*tool\s*\.\s*\"?hf-jobs\"?\s*\]")
        self.table_index = next((i for i, line in enumerate(lines) if table.match(line)), 0)

    def line_of(self, path: Path_) -> int:
        index = self.table_index
        for part in path:
            if isinstance(part, int):
                continue
            found = self._find(str(part), index)
            if found is None:
                break
            index = found
        return self.first_line + index

    def _find(self, key: str, start: int) -> int | None:
        pattern = re.compile(rf"^\s*(\[\s*tool\s*\.\s*\"?hf-jobs\"?\s*\.\s*)?\"?{re.escape(key)}\"?\s*(=|\])")
        inline = re.compile(rf"[{{,]\s*\"?{re.escape(key)}\"?\s*=")
        for index in range(start, len(self.lines)):
            if pattern.match(self.lines[index]) or (index == start and inline.search(self.lines[index])):
                return index
        return None

    def position(self, path: Path_) -> Position:
        return Position(self.display, self.line_of(path), 1)

    def issue(self, path: Path_, message: str) -> ManifestIssue:
        return ManifestIssue(self.display, self.line_of(path), 1, ".".join(str(p) for p in path), message)

    def positions(self, data: dict[str, Any]) -> dict[Path_, Position]:
        """A position for every path of the converted table (manifest names: `network` is `network_group`)."""
        found: dict[Path_, Position] = {(): self.position(())}
        for key, value in data.items():
            where = ("network_group",) if key == "network" else (key,)
            found[(key,)] = self.position(where)
            if isinstance(value, dict):
                for name in value:
                    found[(key, name)] = self.position((*where, name) if key != "network" else
                                                       (f"network_{name}",))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    found[(key, index)] = self.position(where)
                    if isinstance(item, dict):
                        for sub in item:
                            found[(key, index, sub)] = found[(key, index)]
        return found
