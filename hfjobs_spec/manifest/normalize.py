"""Turn a valid job document into its canonical `JobSpec`: defaults applied, values normalised."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hfjobs_spec.flavors import DEFAULT_FLAVOR
from hfjobs_spec.manifest.model import (
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_UV_IMAGE,
    HF_TOKEN_REFERENCE,
    HubTrigger,
    JobSpec,
    NetworkSpec,
    ScriptSpec,
    SecretKind,
    SecretRef,
    SourceRef,
    VolumeSpec,
)
from hfjobs_spec.manifest.secret_refs import reference_source
from hfjobs_spec.manifest.semantics import ScriptFile, ScriptReader, is_url, normal_mount_path, parse_timeout
from hfjobs_spec.manifest.yaml_source import Path_


def to_job_spec(data: dict[str, Any], *, namespace: str | None, scripts: ScriptReader,
                source: SourceRef | None = None, written: Mapping[Path_, str] | None = None) -> JobSpec:
    """Build the canonical spec.

    `namespace` is the project/environment default, used when the job sets none. `written` maps
    paths of numbers and booleans to their text as written, so `VERSION: 1.10` stays "1.10".
    """
    written = written or {}
    script = _script(data.get("script"), scripts)
    image = normalise_image(data.get("image") or (DEFAULT_UV_IMAGE if script is not None else ""))
    return JobSpec(
        name=data["name"],
        namespace=data.get("namespace", namespace),
        image=image,
        command=tuple(data["command"]) if script is None else None,
        script=script,
        script_args=tuple(str(arg) for arg in data.get("script_args", ())),
        dependencies=tuple(data.get("dependencies", ())),
        python=data.get("python"),
        flavor=data.get("flavor", DEFAULT_FLAVOR),
        timeout=parse_timeout(data["timeout"]) if "timeout" in data else DEFAULT_TIMEOUT_SECONDS,
        attempts=data.get("attempts", 1),
        env=tuple(sorted((name, written.get(("env", name)) or env_text(value))
                         for name, value in data.get("env", {}).items())),
        secrets=_secrets(data.get("secrets", {})),
        labels=tuple(sorted((key, str(value)) for key, value in data.get("labels", {}).items())),
        volumes=tuple(sorted((_volume(v) for v in data.get("volumes", ())), key=lambda v: v.mount_path)),
        expose=tuple(sorted(data.get("expose", ()))),
        expose_public=tuple(sorted(data.get("expose_public", ()))),
        # Cron fields are separated by any run of blanks; one space each is the form we send and compare.
        schedule=" ".join(data["schedule"].split()) if "schedule" in data else None,
        suspend=bool(data.get("suspend", False)),
        concurrency=bool(data.get("concurrency", False)),
        protect=bool(data.get("protect", False)),
        source=source,
        import_id=data.get("import", {}).get("id"),
        import_name=data.get("import", {}).get("name"),
        network=_network(data.get("network")),
        on_hub=_hub_trigger(data.get("on")),
        previous_names=tuple(data.get("previous_names", ())),
    )


def _network(network: dict[str, Any] | None) -> NetworkSpec | None:
    if network is None:
        return None
    return NetworkSpec(group=network["group"], aliases=tuple(sorted(network.get("aliases", ()))))


def _hub_trigger(on: dict[str, Any] | None) -> HubTrigger | None:
    if on is None:
        return None
    hub = on["hub"]
    watched = tuple(sorted({(item["type"], item["name"]) for item in hub["watched"]}))
    return HubTrigger(watched=watched, domains=tuple(sorted(set(hub.get("domains", ("repo", "discussion"))))))


SPACE_PREFIXES = ("https://huggingface.co/spaces/", "https://hf.co/spaces/", "huggingface.co/spaces/",
                  "hf.co/spaces/")
CANONICAL_SPACE_PREFIX = "hf.co/spaces/"


def normalise_image(image: str) -> str:
    """A Space image has four spellings; they all mean the same Space."""
    for prefix in SPACE_PREFIXES:
        if image.startswith(prefix):
            return CANONICAL_SPACE_PREFIX + image[len(prefix):]
    return image


def env_text(value: Any) -> str:
    """Environment values are strings; YAML booleans read as `true`/`false`, as most programs expect."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _script(script: str | None, scripts: ScriptReader) -> ScriptSpec | None:
    if script is None:
        return None
    if is_url(script):
        return ScriptSpec(url=script)
    loaded = scripts.read(script)
    assert isinstance(loaded, ScriptFile), "semantic validation admits only readable scripts"
    return ScriptSpec(path=loaded.path, content=loaded.content, sha256=loaded.sha256)


def _secrets(secrets: dict[str, str] | list[str]) -> tuple[SecretRef, ...]:
    pairs = secrets.items() if isinstance(secrets, dict) else ((name, f"${name}") for name in secrets)
    refs = []
    for name, reference in pairs:
        source = reference_source(reference)
        kind: SecretKind = "hf_token" if source == HF_TOKEN_REFERENCE else "env"
        refs.append(SecretRef(name=name, source=source, kind=kind))
    return tuple(sorted(refs, key=lambda ref: ref.name))


def _volume(volume: dict[str, Any]) -> VolumeSpec:
    mount = normal_mount_path(volume["mount_path"])
    is_repo = volume["type"] != "bucket"
    return VolumeSpec(
        type=volume["type"],
        source=volume["source"],
        mount_path=mount,
        revision=volume.get("revision", "main") if is_repo else None,
        # Repositories are always read-only on the Hub; saying so explicitly or not means the same.
        read_only=True if is_repo else bool(volume.get("read_only", False)),
        path=volume.get("path"),
    )
