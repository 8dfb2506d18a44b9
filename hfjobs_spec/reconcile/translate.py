"""Between the manifest world and the Hub's: requests from specs, comparable views of both sides, labels.

A local uv script travels inline: its base64 text sits in an environment variable and a short shell
wrapper writes it to a file before `uv run`. The command is deterministic, needs no upload, and
reads back unambiguously, so a live job can be shown field by field next to its manifest.
"""

from __future__ import annotations

import base64
import hashlib
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import JobRequest, LiveSpec, SecretValue
from hfjobs_spec.manifest.model import HASH_LABEL_LENGTH, JobSpec, VolumeSpec, canonical_json
from hfjobs_spec.manifest.normalize import normalise_image

SCRIPT_ENV = "HFJOBS_SCRIPT_B64"
SCRIPT_DIR = "/tmp/hfjobs"
_WRAPPER_HEAD = "mkdir -p " + SCRIPT_DIR + " && printf %s \"$" + SCRIPT_ENV + "\" | base64 -d > "
_WRAPPER_TAIL = " && exec uv run \"$@\""
# Labels that say who owns a job and which revision it is; never shown as user labels.
_BOOKKEEPING = frozenset({L.APPLIED, L.OPERATION})


# Requests


def command_and_env(spec: JobSpec) -> tuple[tuple[str, ...], dict[str, str]]:
    """The command line and environment that run `spec` on the Hub."""
    env = dict(spec.env)
    if spec.script is None:
        return tuple(spec.command or ()), env
    uv_args: list[str] = []
    for dependency in spec.dependencies:
        uv_args += ["--with", dependency]
    if spec.python:
        uv_args += ["--python", spec.python]
    if spec.script.url is not None:
        return ("uv", "run", *uv_args, spec.script.url, *spec.script_args), env
    assert spec.script.content is not None
    target = f"{SCRIPT_DIR}/{spec.script.file_name}"
    env[SCRIPT_ENV] = base64.b64encode(spec.script.content.encode("utf-8")).decode("ascii")
    wrapper = _WRAPPER_HEAD + shlex.quote(target) + _WRAPPER_TAIL
    return ("sh", "-c", wrapper, "uv", *uv_args, target, *spec.script_args), env


def hub_labels(spec: JobSpec, project: str, environment: str) -> dict[str, str]:
    """Every label the Hub object should carry, ownership included, bookkeeping excluded."""
    result = dict(spec.labels)
    result.update({
        L.MANAGED_BY: L.MANAGED_BY_VALUE,
        L.PROJECT: project,
        L.ENVIRONMENT: environment,
        L.MANIFEST_NAME: spec.name,
        L.SPEC_HASH: spec.hash_label,
        L.HUB_NAME: spec.name,
    })
    if spec.protect:
        result[L.PROTECT] = "true"
    if spec.on_hub is not None:
        result[L.WEBHOOK] = "true"
    return result


def applied_marker(schedule: str | None, suspend: bool | None, labels: Mapping[str, str]) -> str:
    """A short hash of the in-place fields, stored as a label to recognise changes made by hand."""
    visible = {k: v for k, v in labels.items() if k not in _BOOKKEEPING}
    data = {"schedule": schedule, "suspend": suspend, "labels": visible}
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()[:HASH_LABEL_LENGTH]


def labels_with_marker(spec: JobSpec, project: str, environment: str) -> dict[str, str]:
    labels = hub_labels(spec, project, environment)
    suspend = spec.suspend if spec.schedule is not None else None
    labels[L.APPLIED] = applied_marker(spec.schedule, suspend, labels)
    return labels


def to_request(spec: JobSpec, labels: Mapping[str, str], secrets: Mapping[str, SecretValue]) -> JobRequest:
    command, env = command_and_env(spec)
    return JobRequest(
        image=spec.image,
        command=command,
        env=env,
        secrets=dict(secrets),
        flavor=spec.flavor,
        timeout=spec.timeout,
        attempts=spec.attempts,
        labels=dict(labels),
        volumes=spec.volumes,
        expose=spec.expose,
        expose_public=spec.expose_public,
        network=spec.network,
    )


# Views: both sides in one comparable shape, for field-level diffs


def desired_view(spec: JobSpec) -> dict[str, Any]:
    """The fields that force replacement, as a person reads them: the request `spec` makes, read back
    the way a live job reads back, so the two sides of a diff cannot disagree by construction."""
    placeholders = {ref.name: SecretValue("") for ref in spec.secrets}
    read_back = LiveSpec.from_request(to_request(spec, {}, placeholders))
    return live_view(read_back, concurrency=spec.concurrency if spec.schedule is not None else None)


def live_view(spec: LiveSpec, concurrency: bool | None = None) -> dict[str, Any]:
    """A live job's view; fields the Hub does not report are left out. `concurrency`: scheduled jobs'."""
    env = {k: v for k, v in spec.env.items() if k != SCRIPT_ENV}
    view: dict[str, Any] = {
        "image": normalise_image(spec.image),
        "flavor": spec.flavor,
        "env": env,
        "secrets": sorted(spec.secret_names),
        "volumes": sorted((_volume_view(v) for v in spec.volumes), key=lambda v: v["mount_path"]),
        "expose": sorted(spec.expose),
        "expose_public": sorted(spec.expose_public),
    }
    if spec.timeout is not None:
        view["timeout"] = spec.timeout
    if spec.attempts is not None:
        view["attempts"] = spec.attempts
    if concurrency is not None:
        view["concurrency"] = concurrency
    if spec.network is not None:
        view["network"] = spec.network.to_dict()
    view.update(_command_view(spec))
    return view


def _command_view(spec: LiveSpec) -> dict[str, Any]:
    command = list(spec.command)
    script_text = spec.env.get(SCRIPT_ENV)
    if command[:2] == ["sh", "-c"] and len(command) > 3 and command[3] == "uv" and script_text is not None:
        uv_args = command[4:]
        digest = hashlib.sha256(base64.b64decode(script_text)).hexdigest()
        return _uv_view(uv_args, lambda target: f"{target.rsplit('/', 1)[-1]} (sha256 {digest[:12]})")
    if command[:2] == ["uv", "run"]:
        return _uv_view(command[2:], lambda target: target)
    return {"command": command}


def uv_options(args: Sequence[str]) -> tuple[list[str], str | None, int]:
    """The `--with DEP` and `--python PY` options at the start of `uv run`'s arguments (as `run_uv_job`
    puts them), and the index of the script that follows them."""
    dependencies: list[str] = []
    python = None
    index = 0
    while index + 1 < len(args) and args[index] in ("--with", "--python"):
        if args[index] == "--with":
            dependencies.append(args[index + 1])
        else:
            python = args[index + 1]
        index += 2
    return dependencies, python, index


def _uv_view(args: list[str], script_name: Any) -> dict[str, Any]:
    dependencies, python, index = uv_options(args)
    if index >= len(args):
        return {"command": ["uv", "run", *args]}
    return {"script": script_name(args[index]), "script_args": args[index + 1:], "dependencies": dependencies,
            "python": python}


def _volume_view(volume: VolumeSpec) -> dict[str, Any]:
    is_repo = volume.type != "bucket"
    view: dict[str, Any] = {"type": volume.type, "source": volume.source, "mount_path": volume.mount_path,
                            "read_only": True if is_repo else bool(volume.read_only)}
    if is_repo:
        view["revision"] = volume.revision or "main"
    if volume.path:
        view["path"] = volume.path
    return view


def comparable_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Labels to compare with `hub_labels`: everything but per-apply bookkeeping."""
    return {k: v for k, v in labels.items() if k not in _BOOKKEEPING}
