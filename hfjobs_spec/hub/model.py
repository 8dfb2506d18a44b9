"""Plain data exchanged with the Hub port. Nothing here knows about `huggingface_hub`.

Volumes are the manifest's own `VolumeSpec`: one type from manifest to request to live job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hfjobs_spec.manifest.model import NetworkSpec, VolumeSpec
from hfjobs_spec.stages import is_active


class SecretValue:
    """A resolved secret. Its repr and str never show the value; only the Hub adapter calls `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretValue(***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("SecretValue", self._value))


@dataclass(frozen=True, kw_only=True)
class HubJobSpec:
    """The fields a job spec has on both sides of the wire: sent in a request, read back from the Hub.

    `timeout` and `attempts` are None where the Hub does not report them (a run's timeout).
    """

    image: str
    command: tuple[str, ...]
    env: Mapping[str, str]
    flavor: str
    labels: Mapping[str, str]
    volumes: tuple[VolumeSpec, ...] = ()
    expose: tuple[int, ...] = ()
    expose_public: tuple[int, ...] = ()
    timeout: int | None = None
    attempts: int | None = None
    network: NetworkSpec | None = None  # one-shot jobs only; scheduled jobs never have one


@dataclass(frozen=True, kw_only=True)
class JobRequest(HubJobSpec):
    """Everything the Hub needs to start a job, or the job spec of a scheduled job."""

    secrets: Mapping[str, SecretValue]


@dataclass(frozen=True, kw_only=True)
class LiveSpec(HubJobSpec):
    """A job spec as the Hub reports it: secrets by name only."""

    secret_names: tuple[str, ...]

    @classmethod
    def from_request(cls, request: JobRequest) -> LiveSpec:
        """How the Hub reads back what `request` sends (ports in the order it lists them)."""
        return cls(image=request.image, command=request.command, env=dict(request.env), flavor=request.flavor,
                   labels=dict(request.labels), volumes=request.volumes, expose=tuple(sorted(request.expose)),
                   expose_public=tuple(sorted(request.expose_public)), timeout=request.timeout,
                   attempts=request.attempts, secret_names=tuple(sorted(request.secrets)),
                   network=request.network)


@dataclass(frozen=True)
class LiveRun:
    """One job run on the Hub."""

    id: str
    namespace: str
    spec: LiveSpec
    stage: str
    created_at: datetime | None = None
    initiator_type: str | None = None
    initiator_id: str | None = None
    url: str | None = None
    message: str | None = None

    @property
    def active(self) -> bool:
        return is_active(self.stage)

    @property
    def labels(self) -> Mapping[str, str]:
        return self.spec.labels


@dataclass(frozen=True)
class LiveScheduledJob:
    """One scheduled job on the Hub."""

    id: str
    namespace: str
    spec: LiveSpec
    schedule: str
    suspend: bool
    concurrency: bool
    created_at: datetime | None = None
    last_run_id: str | None = None
    last_run_at: datetime | None = None
    next_run_at: datetime | None = None

    @property
    def labels(self) -> Mapping[str, str]:
        return self.spec.labels


@dataclass(frozen=True, kw_only=True)
class WebhookRequest:
    """A Hub webhook that starts the job run `job_id` (the Hub re-runs its spec) on changes of `watched`.

    `marker` goes into the webhook's `secret` field (see `labels.WEBHOOK_MARKER_PREFIX`); `secrets`
    are the triggered job's secret values (on update, an empty value removes that secret).
    """

    job_id: str
    watched: tuple[tuple[str, str], ...]
    domains: tuple[str, ...]
    marker: str
    secrets: Mapping[str, SecretValue]


@dataclass(frozen=True)
class LiveWebhook:
    """A webhook as the Hub lists it. `marker` is its `secret` only when that is one of ours: the
    signing secret of a webhook made by hand never leaves the adapter."""

    id: str
    watched: tuple[tuple[str, str], ...]
    domains: tuple[str, ...]
    disabled: bool
    marker: str | None
    job_labels: Mapping[str, str] = field(default_factory=dict)
