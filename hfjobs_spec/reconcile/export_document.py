"""One Hub job as a manifest document: the inverse of `translate.to_request`, field by field.

The document must load back into a spec whose comparison view (`translate.desired_view`) equals
the live job's (`translate.live_view`), so that the plan after an export is an import and nothing
else. What cannot be written as the Hub holds it is said in a note, never dropped silently:

- secrets come back as names only, so each becomes a `$NAME` reference read at apply time;
- an `env` value shaped like a Hub token cannot stay in a manifest: it becomes a secret of the
  same name (which changes the job, so the plan replaces it, and the note says so);
- a uv job made from an https URL (`hf jobs uv run URL`, `run_uv_job`) becomes a `script` manifest
  when sending that manifest gives back exactly the same command; anything else (a local file the
  client uploaded to a bucket, a command such as `uv run lighteval`) stays image + command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob, LiveSpec
from hfjobs_spec.manifest.model import (
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_UV_IMAGE,
    JobKind,
    JobSpec,
    ScriptSpec,
    VolumeSpec,
)
from hfjobs_spec.manifest.normalize import normalise_image
from hfjobs_spec.manifest.schema import API_VERSION
from hfjobs_spec.manifest.tokens import looks_like_token
from hfjobs_spec.reconcile.translate import SCRIPT_ENV, command_and_env, uv_options

_UNITS = (("d", 86_400), ("h", 3600), ("m", 60))


class Quoted(str):
    """A string the YAML writer puts in double quotes: a Hub id (never read as a number, whatever its
    digits), a schedule (as people write cron)."""

    __slots__ = ()


@dataclass(frozen=True)
class ExportedJob:
    """A manifest document made from one Hub job, with the comments and notes that explain it.

    `document` keys are in the order they are written; `comments` are end-of-line comments by key;
    `notes` are what the person reviewing the export must know (also printed by the command).
    """

    name: str
    kind: JobKind
    source_id: str
    namespace: str
    hub_name: str | None
    document: dict[str, Any]
    comments: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    replaced: bool = False  # known before any check: the plan will replace it (a token moved to secrets)

    @property
    def header(self) -> tuple[str, ...]:
        what = "scheduled job" if self.kind == "scheduled_job" else "job run"
        hub_name = f" (Hub name {self.hub_name!r})" if self.hub_name else ""
        lines = [f"Exported from {what} {self.source_id}{hub_name} in {self.namespace} by `hfjobs-spec export`."]
        if self.kind == "job" and "timeout" not in self.document:
            lines.append("The Hub does not report a run's timeout: the manifest's applies (default 30m).")
        return tuple(lines)


def job_kind(job: LiveScheduledJob | LiveRun) -> JobKind:
    return "scheduled_job" if isinstance(job, LiveScheduledJob) else "job"


def to_document(job: LiveScheduledJob | LiveRun, name: str, *, namespace: str | None,
                explicit: frozenset[str] = frozenset(), notes: Sequence[str] = (),
                given: Mapping[str, Any] | None = None) -> ExportedJob:
    """The manifest of `job` under the manifest name `name`.

    `namespace` is written only when given (the job lives outside the project's default namespace).
    `explicit` names fields the project's defaults set: those are written even at their built-in
    default, or the default would change the job. `given` is what the defaults give: a value equal to
    it is left out (with `env` and `labels` key by key), so that the manifest says only what is its own.
    """
    spec = job.spec
    notes_out = list(notes)
    comments: dict[str, str] = {}
    doc: dict[str, Any] = {"apiVersion": API_VERSION, "name": name}
    if namespace is not None:
        doc["namespace"] = namespace

    def put(key: str, value: Any, default: Any) -> None:
        """Write `key` unless it is at its built-in default and no project default would change it."""
        if value != default or key in explicit:
            doc[key] = value

    if isinstance(job, LiveScheduledJob):
        doc["schedule"] = Quoted(job.schedule)
        put("suspend", job.suspend, False)
        put("concurrency", job.concurrency, False)
    env, moved = _split_env(spec.env)
    program = _program(spec)
    if "script" in program:
        put("script", program["script"], None)
        put("image", program.get("image", spec.image), DEFAULT_UV_IMAGE)
        for key in ("script_args", "dependencies"):
            put(key, program.get(key, []), [])
        if "python" in program:
            doc["python"] = program["python"]
    else:
        doc.update(program)
    doc["flavor"] = spec.flavor
    if spec.timeout is not None:
        put("timeout", _duration(spec.timeout), _duration(DEFAULT_TIMEOUT_SECONDS))
    if spec.attempts is not None:
        put("attempts", spec.attempts, 1)
    if env:
        doc["env"] = env
    secret_names = sorted({*spec.secret_names, *moved})
    if secret_names:
        doc["secrets"] = {secret: f"${secret}" for secret in secret_names}
        comments["secrets"] = ("the Hub reports secret names only: each value is read from your environment "
                               "when you apply ($HF_TOKEN: your token)")
    for key in moved:
        notes_out.append(f"env {key} held a value shaped like a Hub token; it is now the secret {key} (set ${key} "
                         "when you apply, and rotate that token: anyone who can read the job has seen it). The "
                         "plan will replace this job")
    user_labels = {k: v for k, v in sorted(spec.labels.items()) if not L.is_reserved(k)}
    if user_labels:
        doc["labels"] = user_labels
    put("volumes", [_volume(v) for v in sorted(spec.volumes, key=lambda v: v.mount_path)], [])
    put("expose", sorted(spec.expose), [])
    put("expose_public", sorted(spec.expose_public), [])
    if spec.network is not None:
        network: dict[str, Any] = {"group": spec.network.group}
        if spec.network.aliases:
            network["aliases"] = sorted(spec.network.aliases)
        doc["network"] = network
    _drop_inherited(doc, given or {})
    doc["import"] = {"id": Quoted(job.id)}
    comments["import"] = "adopts this job at the next apply (same id, history kept); remove it after that apply"
    return ExportedJob(name=name, kind=job_kind(job), source_id=job.id, namespace=job.namespace,
                       hub_name=spec.labels.get(L.HUB_NAME), document=doc, comments=comments,
                       notes=tuple(notes_out), replaced=bool(moved))


def _drop_inherited(doc: dict[str, Any], given: Mapping[str, Any]) -> None:
    # A script job never takes an `image` default (manifest.defaults), so its own image stays.
    scalars = ("flavor", "timeout", "attempts", "volumes", "expose", "expose_public", *(() if "script" in doc
                                                                                        else ("image",)))
    for key in scalars:
        if key in doc and key in given and doc[key] == given[key]:
            del doc[key]
    for key in ("env", "labels"):
        if isinstance(doc.get(key), dict) and isinstance(given.get(key), Mapping):
            kept = {k: v for k, v in doc[key].items() if given[key].get(k) != v}
            if kept:
                doc[key] = kept
            else:
                del doc[key]


def _split_env(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Plain env values, and the names of those shaped like a token (they become secrets)."""
    kept: dict[str, str] = {}
    moved: list[str] = []
    for key, value in sorted(env.items()):
        if looks_like_token(value):
            moved.append(key)
        else:
            kept[key] = value
    return kept, moved


def _program(spec: LiveSpec) -> dict[str, Any]:
    """`script` (+ args, dependencies, python, image override) when the command is a uv run of an
    https URL that reads back exactly; otherwise `image` + `command`."""
    script = recover_url_script(spec.image, spec.command)
    if script is not None:
        return script
    return {"image": spec.image, "command": list(spec.command)}


def recover_url_script(image: str, command: Sequence[str]) -> dict[str, Any] | None:
    """The `script` fields that make `command`, as `run_uv_job` builds it for a URL:
    `uv run [--with DEP]... [--python PY] URL [ARG]...`; None if none does, exactly."""
    if list(command[:2]) != ["uv", "run"]:
        return None
    args = list(command[2:])
    dependencies, python, index = uv_options(args)
    if index >= len(args) or not args[index].startswith("https://"):
        return None  # a local file (uploaded to a bucket and renamed) or a command: not recoverable
    fields: dict[str, Any] = {"script": args[index]}
    if normalise_image(image) != DEFAULT_UV_IMAGE:
        fields["image"] = image
    if args[index + 1:]:
        fields["script_args"] = args[index + 1:]
    if dependencies:
        fields["dependencies"] = dependencies
    if python is not None:
        fields["python"] = python
    candidate = _script_spec(fields, image)
    sent, _ = command_and_env(candidate)
    if list(sent) != list(command) or len(set(dependencies)) != len(dependencies):
        return None  # e.g. --python before --with: the manifest would send another command
    return fields


def _script_spec(fields: Mapping[str, Any], image: str) -> JobSpec:
    return JobSpec(name="x", namespace=None, image=image, command=None, script=ScriptSpec(url=fields["script"]),
                   script_args=tuple(fields.get("script_args", ())), dependencies=tuple(fields.get("dependencies", ())),
                   python=fields.get("python"), flavor="cpu-basic", timeout=1, attempts=1, env=(), secrets=(),
                   labels=(), volumes=(), expose=(), expose_public=(), schedule=None, suspend=False,
                   concurrency=False, protect=False)


def _duration(seconds: int) -> int | str:
    """Seconds as a person writes them: 7200 -> "2h", 90 -> 90."""
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return seconds


def _volume(volume: VolumeSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"type": volume.type, "source": volume.source, "mount_path": volume.mount_path}
    if volume.type != "bucket" and volume.revision not in (None, "main"):
        data["revision"] = volume.revision
    if volume.type == "bucket" and volume.read_only:
        data["read_only"] = True
    if volume.path:
        data["path"] = volume.path
    return data


def carries_inline_script(spec: LiveSpec) -> bool:
    """A job whose command runs a script shipped inline by hfjobs-spec: its ownership labels were removed."""
    return SCRIPT_ENV in spec.env
