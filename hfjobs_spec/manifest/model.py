"""The canonical, immutable job model and its spec hash.

A `JobSpec` is what a manifest means once defaults are applied and values normalised. Two manifests
that mean the same thing produce equal `JobSpec`s and the same `spec_hash`, whatever their key
order, file layout, machine or Python version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

DEFAULT_UV_IMAGE = "ghcr.io/astral-sh/uv:python3.12-bookworm"
DEFAULT_TIMEOUT_SECONDS = 30 * 60
HF_TOKEN_REFERENCE = "HF_TOKEN"
HASH_LABEL_LENGTH = 16

JobKind = Literal["job", "scheduled_job"]
SecretKind = Literal["hf_token", "env"]


@dataclass(frozen=True)
class SecretRef:
    """A secret environment variable `name` whose value is read at apply time from `source`.

    `kind == "hf_token"`: the token of whoever runs apply; `kind == "env"`: the environment variable
    `source` of the apply process.
    """

    name: str
    source: str
    kind: SecretKind

    def reference(self) -> str:
        """How the manifest spells it: `$HF_TOKEN`, `$NAME`."""
        return f"${self.source}"


@dataclass(frozen=True)
class VolumeSpec:
    """A Hub repository or bucket mounted into the container."""

    type: str
    source: str
    mount_path: str
    revision: str | None = None
    read_only: bool | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "source": self.source, "mount_path": self.mount_path}
        for key in ("revision", "read_only", "path"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class ScriptSpec:
    """A uv script: local (`path` + `content`, shipped inline) or remote (`url`)."""

    path: str | None = None
    url: str | None = None
    content: str | None = field(default=None, repr=False)
    sha256: str | None = None

    @property
    def file_name(self) -> str:
        """The name the script runs under in the container."""
        source = self.path or self.url or "script.py"
        return source.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "script.py"

    def to_dict(self) -> dict[str, Any]:
        if self.url is not None:
            return {"url": self.url}
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class NetworkSpec:
    """A network group a one-shot job joins, and the aliases it claims there (sorted: a set)."""

    group: str
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "aliases": list(self.aliases)}


@dataclass(frozen=True)
class HubTrigger:
    """`on: hub:`: the Hub changes that start the job, through one webhook apply keeps.

    `watched` holds (type, name) pairs and `domains` the event domains, both sorted: the webhook
    does not depend on the order they are written in.
    """

    watched: tuple[tuple[str, str], ...]
    domains: tuple[str, ...] = ("discussion", "repo")

    def to_dict(self) -> dict[str, Any]:
        return {"watched": [{"type": kind, "name": name} for kind, name in self.watched],
                "domains": list(self.domains)}


@dataclass(frozen=True)
class SourceRef:
    """Where a job was declared (for messages; never part of equality or the hash)."""

    file: str
    line: int
    # The combination of a matrix manifest's job, as text: (("model", "gpt2"), ("lr", "1e-4")).
    matrix: tuple[tuple[str, str], ...] = ()

    @property
    def combination(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in self.matrix)


@dataclass(frozen=True)
class JobSpec:
    """One desired job, canonical and immutable. Build it with `manifest.normalize`."""

    name: str
    namespace: str | None
    image: str
    command: tuple[str, ...] | None
    script: ScriptSpec | None
    script_args: tuple[str, ...]
    dependencies: tuple[str, ...]
    python: str | None
    flavor: str
    timeout: int
    attempts: int
    env: tuple[tuple[str, str], ...]
    secrets: tuple[SecretRef, ...]
    labels: tuple[tuple[str, str], ...]
    volumes: tuple[VolumeSpec, ...]
    expose: tuple[int, ...]
    expose_public: tuple[int, ...]
    schedule: str | None
    suspend: bool
    concurrency: bool
    protect: bool
    source: SourceRef | None = field(default=None, compare=False)
    # `import: {id: ...}` or `import: {name: ...}`: the unmanaged Hub object to adopt rather than create.
    # Not part of `canonical()` nor the hash: once adopted, the job is the same job with or without it.
    import_id: str | None = None
    import_name: str | None = None
    network: NetworkSpec | None = None
    on_hub: HubTrigger | None = None
    # `previous_names`: earlier names of this job; apply renames what is found under one in place.
    # Outside `canonical()` and the hash too: a renamed job is the same job.
    previous_names: tuple[str, ...] = ()

    @property
    def kind(self) -> JobKind:
        return "scheduled_job" if self.schedule is not None else "job"

    @property
    def env_dict(self) -> dict[str, str]:
        return dict(self.env)

    @property
    def labels_dict(self) -> dict[str, str]:
        return dict(self.labels)

    def canonical(self) -> dict[str, Any]:
        """Every field that has meaning, as JSON-ready data with a stable shape."""
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "namespace": self.namespace,
            "image": self.image,
            "flavor": self.flavor,
            "timeout": self.timeout,
            "attempts": self.attempts,
            "env": dict(self.env),
            "secrets": {ref.name: ref.reference() for ref in self.secrets},
            "labels": dict(self.labels),
            "volumes": [volume.to_dict() for volume in self.volumes],
            "expose": list(self.expose),
            "expose_public": list(self.expose_public),
            "protect": self.protect,
        }
        if self.network is not None:  # only when set: the hash of every job without one stays as it was
            data["network"] = self.network.to_dict()
        if self.on_hub is not None:
            data["on"] = {"hub": self.on_hub.to_dict()}
        if self.script is not None:
            data["script"] = self.script.to_dict()
            data["script_args"] = list(self.script_args)
            data["dependencies"] = list(self.dependencies)
            data["python"] = self.python
        else:
            data["command"] = list(self.command or ())
        if self.schedule is not None:
            data["schedule"] = self.schedule
            data["suspend"] = self.suspend
            data["concurrency"] = self.concurrency
        return data

    def hashed(self) -> dict[str, Any]:
        """The part of `canonical()` the Hub cannot change in place; what `spec_hash` covers."""
        data = self.canonical()
        for key in IN_PLACE_FIELDS + IDENTITY_FIELDS:
            data.pop(key, None)
        data["apiVersion"] = "hfjobs/v1"
        return data

    @cached_property
    def spec_hash(self) -> str:
        return spec_hash(self.hashed())

    @property
    def hash_label(self) -> str:
        """The short form of `spec_hash` stamped on the Hub object as a label."""
        return self.spec_hash[:HASH_LABEL_LENGTH]


# Changeable on the Hub without replacing the job (protect is ours alone, kept in a label; `on` is the
# job's webhook, which the Hub updates in place).
IN_PLACE_FIELDS: tuple[str, ...] = ("schedule", "suspend", "labels", "protect", "on")
# Where the job lives rather than what it is.
IDENTITY_FIELDS: tuple[str, ...] = ("name", "namespace")


def canonical_json(data: Mapping[str, Any]) -> str:
    """JSON with sorted keys, no spaces and ASCII only: the same bytes on every machine."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def spec_hash(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data).encode("ascii")).hexdigest()
