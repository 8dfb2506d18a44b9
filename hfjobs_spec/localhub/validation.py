"""Input validation that mirrors what the Hub documents (and, where it is silent, the strictest
plausible rule). Every failure is a 400 `ApiError` with a message naming the offending field.

The validated job spec is normalised into one internal shape (camelCase keys, defaults filled
in) that jobs, scheduled jobs and their runs all share.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hfjobs_spec import labels, network
from hfjobs_spec.flavors import DEFAULT_FLAVOR, FLAVORS
from hfjobs_spec.localhub.common import bad_request
from hfjobs_spec.volumes import REPO_ID_RE, VOLUME_TYPES, is_repository, mount_path_problem, sub_path_problem

DEFAULT_TIMEOUT_SECONDS = 30 * 60

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NETWORK_GROUP = network.GROUP_RE
_NETWORK_ALIAS = network.ALIAS_RE
_VOLUME_KEYS = frozenset({"type", "source", "mountPath", "revision", "readOnly", "path"})
# The CPU architectures huggingface.js may send as `arch` (the Hub "defaults to amd64").
ARCHITECTURES = ("amd64", "arm64")
_SPEC_KEYS = frozenset(
    {
        "command",
        "arguments",
        "environment",
        "flavor",
        "arch",
        "dockerImage",
        "spaceId",
        "secrets",
        "timeoutSeconds",
        "attempts",
        "labels",
        "volumes",
        "expose",
        "ssh",
        "network",
        "resourceGroupId",
    }
)
_SCHEDULED_ONLY_FORBIDDEN = ("ssh", "network")


@dataclass(frozen=True)
class ValidSpec:
    """A validated job spec. `spec` holds everything but labels and secrets, which are kept apart:
    labels because they can be replaced in place, secrets because they are never returned."""

    spec: dict[str, Any]
    labels: dict[str, str]
    secrets: dict[str, str]


def require_object(value: Any, what: str) -> dict[str, Any]:
    """`value` as a JSON object, or a 400 naming `what`."""
    if not isinstance(value, dict):
        raise bad_request(f"{what} must be a JSON object")
    return value


def single_field(body: Any, name: str) -> Any:
    """The value of a body that must be exactly `{name: value}` (labels, schedule)."""
    obj = require_object(body, "body")
    if set(obj) != {name}:
        raise bad_request(f'the body must be {{"{name}": ...}} and nothing else')
    return obj[name]


def _reject_unknown(obj: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise bad_request(f"{what}: unknown field(s) {', '.join(unknown)}")


def _str_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_request(f"{field} must be a list of strings")
    return list(value)


def _int(value: Any, field: str) -> int:
    # bool is an int subclass in Python but not a number on the wire.
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{field} must be an integer")
    return value


def _env(value: Any, field: str) -> dict[str, str]:
    obj = require_object(value, field)
    for name, item in obj.items():
        if not _ENV_NAME.fullmatch(name):
            raise bad_request(
                f"{field}: invalid variable name {name!r} (letters, digits and _; not starting with a digit)"
            )
        if not isinstance(item, str):
            raise bad_request(f"{field}.{name} must be a string")
    return dict(obj)


def validate_labels(value: Any, field: str = "labels") -> dict[str, str]:
    """Label keys (1–100 chars) and values (0–100 chars) may only use letters, digits, `-` and `_`."""
    obj = require_object(value, field)
    for key, item in obj.items():
        if not labels.is_valid_key(key):
            raise bad_request(
                f"{field}: invalid label key {key!r}: 1-{labels.LABEL_MAX_LENGTH} characters among "
                "letters, digits, '-' and '_'"
            )
        if not isinstance(item, str) or not labels.is_valid_value(item):
            raise bad_request(
                f"{field}: invalid value for label {key!r}: at most {labels.LABEL_MAX_LENGTH} "
                "characters among letters, digits, '-' and '_'"
            )
    return dict(obj)


def validate_flavor(value: Any) -> str:
    """One of the 26 Jobs flavors."""
    if not isinstance(value, str) or value not in FLAVORS:
        hint = ""
        if isinstance(value, str) and (close := difflib.get_close_matches(value, FLAVORS, n=1)):
            hint = f"; did you mean {close[0]!r}?"
        raise bad_request(f"flavor: unknown flavor {value!r}{hint} (see GET /api/jobs/hardware)")
    return value


def validate_expose(value: Any, field: str = "expose") -> dict[str, list[int]]:
    """`{"ports": [...], "portsPublic": [...]}` with ports in 1..65535, no repeats, public ⊆ ports."""
    obj = require_object(value, field)
    _reject_unknown(obj, frozenset({"ports", "portsPublic"}), field)
    lists: dict[str, list[int]] = {}
    for key in ("ports", "portsPublic"):
        raw = obj.get(key, [])
        if not isinstance(raw, list):
            raise bad_request(f"{field}.{key} must be a list of port numbers")
        ports = [_int(port, f"{field}.{key}[]") for port in raw]
        if any(not 1 <= port <= 65535 for port in ports):
            raise bad_request(f"{field}.{key}: ports must be between 1 and 65535")
        if len(set(ports)) != len(ports):
            raise bad_request(f"{field}.{key}: duplicate port")
        lists[key] = ports
    missing = [port for port in lists["portsPublic"] if port not in lists["ports"]]
    if missing:
        raise bad_request(f"{field}.portsPublic must be a subset of {field}.ports (missing {missing})")
    return lists


def _volume(value: Any, index: int) -> dict[str, Any]:
    field = f"volumes[{index}]"
    obj = require_object(value, field)
    _reject_unknown(obj, _VOLUME_KEYS, field)
    kind = obj.get("type", "model")  # the client's Volume defaults to a model repo
    if kind not in VOLUME_TYPES:
        raise bad_request(f"{field}.type must be one of {', '.join(VOLUME_TYPES)}")
    source = obj.get("source")
    if not isinstance(source, str) or not REPO_ID_RE.fullmatch(source):
        raise bad_request(f"{field}.source must look like 'namespace/name'")
    mount = obj.get("mountPath")
    problem = mount_path_problem(mount) if isinstance(mount, str) else "must be a string"
    if problem:
        raise bad_request(f"{field}.mountPath {problem} (got {mount!r})")
    out: dict[str, Any] = {"type": kind, "source": source, "mountPath": mount}
    if "revision" in obj:
        if not is_repository(kind):
            raise bad_request(f"{field}.revision: buckets have no revisions")
        if not isinstance(obj["revision"], str) or not obj["revision"]:
            raise bad_request(f"{field}.revision must be a non-empty string")
        out["revision"] = obj["revision"]
    read_only = obj.get("readOnly")
    if read_only is not None and not isinstance(read_only, bool):
        raise bad_request(f"{field}.readOnly must be a boolean")
    if is_repository(kind) and read_only is False:
        raise bad_request(f"{field}.readOnly: {kind} volumes are always read-only")
    # Repos are forced read-only, buckets default to writable; echoing the effective value keeps
    # clients from assuming the field comes back exactly as sent.
    out["readOnly"] = True if is_repository(kind) else bool(read_only)
    if "path" in obj:
        path = obj["path"]
        problem = sub_path_problem(path) if isinstance(path, str) else "must be a string"
        if problem:
            raise bad_request(f"{field}.path {problem}: a folder inside the {kind}")
        out["path"] = path
    return out


def _volumes(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise bad_request("volumes must be a list")
    volumes = [_volume(item, index) for index, item in enumerate(value)]
    mounts = [volume["mountPath"] for volume in volumes]
    if len(set(mounts)) != len(mounts):
        raise bad_request("volumes: two volumes use the same mountPath")
    return volumes


def _network(value: Any) -> dict[str, Any]:
    obj = require_object(value, "network")
    _reject_unknown(obj, frozenset({"group", "aliases"}), "network")
    group = obj.get("group")
    if not isinstance(group, str) or not _NETWORK_GROUP.fullmatch(group):
        raise bad_request("network.group must be 1-46 lowercase letters, digits or '-'")
    aliases = _str_list(obj.get("aliases", []), "network.aliases")
    for alias in aliases:
        if not _NETWORK_ALIAS.fullmatch(alias):
            raise bad_request(
                f"network.aliases: invalid alias {alias!r} (1-34 lowercase letters, digits or '-')"
            )
    if len(set(aliases)) != len(aliases):
        raise bad_request("network.aliases must be unique")
    return {"group": group, "aliases": aliases}


def _arch(obj: Mapping[str, Any]) -> str | None:
    """The `arch` huggingface.js may send; None when left out (the Hub then runs on amd64)."""
    if "arch" not in obj:
        return None
    arch = obj["arch"]
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        raise bad_request(f"arch must be one of {', '.join(ARCHITECTURES)}, got {arch!r}")
    return arch


def validate_job_spec(value: Any, *, scheduled: bool = False) -> ValidSpec:
    """Validate and normalise a JobSpec-in (the body of `POST /api/jobs/{ns}` or a `jobSpec`)."""
    what = "jobSpec" if scheduled else "job spec"
    obj = require_object(value, what)
    _reject_unknown(obj, _SPEC_KEYS, what)
    if scheduled:
        for key in _SCHEDULED_ONLY_FORBIDDEN:
            if key in obj:
                raise bad_request(f"jobSpec.{key} is not available for scheduled jobs")
    images = [key for key in ("dockerImage", "spaceId") if key in obj]
    if len(images) != 1:
        raise bad_request("exactly one of dockerImage or spaceId is required")
    image = obj[images[0]]
    if not isinstance(image, str) or not image.strip():
        raise bad_request(f"{images[0]} must be a non-empty string")
    if images[0] == "spaceId" and not REPO_ID_RE.fullmatch(image):
        raise bad_request("spaceId must look like 'namespace/space'")
    if "command" not in obj:
        raise bad_request("command is required")
    spec: dict[str, Any] = {
        images[0]: image,
        "command": _str_list(obj["command"], "command"),
        "arguments": _str_list(obj.get("arguments", []), "arguments"),
        "environment": _env(obj.get("environment", {}), "environment"),
        "flavor": validate_flavor(obj.get("flavor", DEFAULT_FLAVOR)),
        "timeoutSeconds": DEFAULT_TIMEOUT_SECONDS,
        "attempts": 1,
        "volumes": _volumes(obj.get("volumes", [])),
        "expose": None,
        "ssh": False,
        "network": None,
        "resourceGroupId": None,
        "arch": _arch(obj),
    }
    if "timeoutSeconds" in obj:
        timeout = _int(obj["timeoutSeconds"], "timeoutSeconds")
        if timeout <= 0:
            raise bad_request("timeoutSeconds must be a positive number of seconds")
        spec["timeoutSeconds"] = timeout
    if "attempts" in obj:
        attempts = _int(obj["attempts"], "attempts")
        if attempts < 1:
            raise bad_request("attempts must be at least 1")
        spec["attempts"] = attempts
    if "expose" in obj:
        spec["expose"] = validate_expose(obj["expose"])
    if "ssh" in obj:
        ssh = require_object(obj["ssh"], "ssh")
        _reject_unknown(ssh, frozenset({"enabled"}), "ssh")
        if not isinstance(ssh.get("enabled"), bool):
            raise bad_request("ssh.enabled must be a boolean")
        spec["ssh"] = ssh["enabled"]
    if "network" in obj:
        spec["network"] = _network(obj["network"])
    if "resourceGroupId" in obj:
        group_id = obj["resourceGroupId"]
        if not isinstance(group_id, str) or not group_id:
            raise bad_request("resourceGroupId must be a non-empty string")
        spec["resourceGroupId"] = group_id
    return ValidSpec(
        spec=spec,
        labels=validate_labels(obj.get("labels", {})),
        secrets=_env(obj.get("secrets", {}), "secrets"),
    )


def optional_bool(obj: Mapping[str, Any], key: str, default: bool) -> bool:
    """`obj[key]` if present (must be a boolean), else `default`."""
    if key not in obj:
        return default
    value = obj[key]
    if not isinstance(value, bool):
        raise bad_request(f"{key} must be a boolean")
    return value
