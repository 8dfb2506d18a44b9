"""Checks the schema cannot express: cron syntax, script files, secrets hygiene, labels, mounts, ports."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfjobs_spec import labels, volumes
from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest import safe_paths
from hfjobs_spec.manifest.schema import MAX_TIMEOUT_SECONDS, TIMEOUT_TOO_LONG
from hfjobs_spec.manifest.yaml_source import Located, Path_, format_path
from hfjobs_spec.schedules import schedule_problem

# Linux caps one environment string at 128 KiB; base64 grows a script by a third.
MAX_INLINE_SCRIPT_BYTES = 64 * 1024
# Environment variables the tool itself sets inside the container.
RESERVED_ENV = ("HFJOBS_SCRIPT_B64",)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class ScriptFile:
    """A local script read once: repository-relative path, text and digest."""

    path: str
    content: str
    sha256: str


class ScriptReader:
    """Reads local scripts inside the project root, once each, with clear refusals."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[str, ScriptFile | str] = {}

    def read(self, relative: str) -> ScriptFile | str:
        """The script, or a message saying why it cannot be used."""
        if relative not in self._cache:
            self._cache[relative] = self._read(relative)
        return self._cache[relative]

    def _read(self, relative: str) -> ScriptFile | str:
        if "\x00" in relative:
            return f"the path {safe_paths.NUL_MESSAGE}"
        if Path(relative).is_absolute():
            return "must be a path relative to the repository root (or an https:// URL)"
        # Resolved first, so that `..` and symlinks (of the file or of any folder on the way) are
        # judged by where they lead: a script is shipped inline, so it must never be read from outside.
        target = safe_paths.resolve(self.root / relative)
        if isinstance(target, str):
            return f"the path {target}"
        if not target.is_relative_to(self.root):
            return "must stay inside the repository"
        found = safe_paths.kind(target)
        if found == "missing":
            return f"file {_quoted(relative)} does not exist (paths are relative to the repository root)"
        if found != "file":  # a folder, or a FIFO or device, which reading would block on
            return f"{_quoted(relative)} is not a file"
        try:
            with target.open("rb") as handle:
                raw = handle.read(MAX_INLINE_SCRIPT_BYTES + 1)  # a huge file is never read whole
                size = os.fstat(handle.fileno()).st_size
        except OSError as exc:
            return f"cannot read {_quoted(relative)}: {exc.strerror or exc}"
        if len(raw) > MAX_INLINE_SCRIPT_BYTES:
            return (f"script is {size:,} bytes; local scripts are shipped inline and must be at most "
                    f"{MAX_INLINE_SCRIPT_BYTES:,} bytes: publish it at an https:// URL "
                    "or mount it with a volume")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "script is not UTF-8 text"
        posix = target.relative_to(self.root).as_posix()
        return ScriptFile(path=posix, content=text, sha256=hashlib.sha256(raw).hexdigest())


def _quoted(text: str, limit: int = 80) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def timeout_seconds(value: int | str) -> float:
    """`90` -> 90, `"30m"` -> 1800, `"1.5h"` -> 5400.0; `inf` for absurd text (`"999...9d"`), never an error."""
    if isinstance(value, int):
        return value
    unit = value[-1]
    if unit in _UNIT_SECONDS:
        return float(value[:-1]) * _UNIT_SECONDS[unit]
    return float(value)


def parse_timeout(value: int | str) -> int:
    """A validated timeout in whole seconds (truncated, like the Hub client: `"0.5m"` -> 30)."""
    return int(timeout_seconds(value))


def normal_mount_path(path: str) -> str:
    """`/data/./x/` -> `/data/x`: the same mount point however it is spelt (`..` is refused elsewhere)."""
    return "/" + "/".join(part for part in path.split("/") if part not in ("", "."))


def is_url(script: str) -> bool:
    return script.startswith(("https://", "http://"))


def semantic_issues(doc: Located, scripts: ScriptReader) -> list[ManifestIssue]:
    """Every semantic problem of one schema-valid job document."""
    data: dict[str, Any] = doc.data
    found: list[tuple[Path_, str, bool]] = []  # (path, message, point at key)
    schedule = data.get("schedule")
    problem = schedule_problem(schedule) if isinstance(schedule, str) else None
    if problem is not None:
        found.append((("schedule",), f"{schedule!r} is not a schedule the Hub accepts: {problem}", False))
    if "timeout" in data:
        seconds = timeout_seconds(data["timeout"])
        if seconds < 1:
            found.append((("timeout",), "must be at least 1 second", False))
        elif seconds > MAX_TIMEOUT_SECONDS:
            found.append((("timeout",), TIMEOUT_TOO_LONG, False))
    script = data.get("script")
    if script is not None:
        if script.startswith("http://"):
            found.append((("script",), "script URLs must use https://", False))
        elif not is_url(script):
            result = scripts.read(script)
            if isinstance(result, str):
                found.append((("script",), result, False))
    found += _env_checks(data)
    found += _label_checks(data)
    found += _volume_checks(data)
    found += _port_checks(data)
    found += _one_shot_checks(data)
    return [_issue(doc, path, message, key) for path, message, key in found]


def _env_checks(data: dict[str, Any]) -> list[tuple[Path_, str, bool]]:
    found: list[tuple[Path_, str, bool]] = []
    env: dict[str, Any] = data.get("env", {})
    secrets = data.get("secrets", {})
    secret_names = set(secrets) if isinstance(secrets, dict) else {str(s) for s in secrets}
    for name in env:
        if name in secret_names:
            found.append((("env", name), f"{name!r} is also declared in secrets; keep it in one place", True))
        if name in RESERVED_ENV:
            found.append((("env", name), f"{name!r} is set by hfjobs-spec itself", True))
    return found


def _label_checks(data: dict[str, Any]) -> list[tuple[Path_, str, bool]]:
    found: list[tuple[Path_, str, bool]] = [
        (("labels", key), f"label key {key!r} is reserved: hfjobs-spec sets '{labels.HUB_NAME}' and the "
                          f"'{labels.RESERVED_PREFIX}*' labels itself", True)
        for key in data.get("labels", {})
        if labels.is_reserved(key)
    ]
    # The schema's maxLength covers text only; a number becomes its digits.
    found += [
        (("labels", key), f"must be at most {labels.LABEL_MAX_LENGTH} characters", False)
        for key, value in data.get("labels", {}).items()
        if isinstance(value, int) and len(str(value)) > labels.LABEL_MAX_LENGTH
    ]
    return found


def _volume_checks(data: dict[str, Any]) -> list[tuple[Path_, str, bool]]:
    found: list[tuple[Path_, str, bool]] = []
    seen: dict[str, int] = {}
    for index, volume in enumerate(data.get("volumes", [])):
        mount = volume["mount_path"]
        problem = volumes.mount_path_problem(mount)
        if problem:
            found.append((("volumes", index, "mount_path"), problem, False))
        elif (normal := normal_mount_path(mount)) in seen:
            found.append((("volumes", index, "mount_path"),
                          f"{mount!r} is already mounted by volumes[{seen[normal]}]", False))
        else:
            seen[normal] = index
        if "path" in volume and (problem := volumes.sub_path_problem(volume["path"])):
            found.append((("volumes", index, "path"), problem, False))
        repository = volumes.is_repository(volume["type"])
        if not repository and "revision" in volume:
            found.append((("volumes", index, "revision"), "buckets have no revisions", True))
        if repository and volume.get("read_only") is False:
            found.append((("volumes", index, "read_only"),
                          f"{volume['type']} volumes are always read-only", False))
    return found


def _port_checks(data: dict[str, Any]) -> list[tuple[Path_, str, bool]]:
    private = set(data.get("expose", []))
    return [
        (("expose_public", index), f"port {port} is also in expose; list each port once "
                                   "(public ports are exposed anyway)", False)
        for index, port in enumerate(data.get("expose_public", []))
        if port in private
    ]


def _one_shot_checks(data: dict[str, Any]) -> list[tuple[Path_, str, bool]]:
    """`network` and `on` belong to one-shot jobs: the Hub takes no network group for a scheduled job, and a
    webhook re-runs a job run (its `job_id`), which a scheduled job is not."""
    found: list[tuple[Path_, str, bool]] = []
    if "schedule" in data:
        if "network" in data:
            found.append((("network",), "network groups are for one-shot jobs only: the Hub refuses them on "
                                        "scheduled jobs (remove `network` or `schedule`)", True))
        if "on" in data:
            found.append((("on",), "`on: hub:` is for one-shot jobs only: a Hub webhook re-runs a job run, not "
                                   "a scheduled job (remove `on` or `schedule`)", True))
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(data.get("on", {}).get("hub", {}).get("watched", [])):
        key = (item["type"], item["name"])
        if key in seen:
            found.append((("on", "hub", "watched", index), f"{item['type']} {item['name']!r} is listed twice", False))
        seen.add(key)
    return found


def _issue(doc: Located, path: Path_, message: str, key: bool) -> ManifestIssue:
    position = doc.position(path, key=key)
    return ManifestIssue(position.file, position.line, position.column, format_path(path), message)
