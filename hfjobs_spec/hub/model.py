"""Plain data exchanged with the Hub port. Nothing here knows about `huggingface_hub`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

ACTIVE_STAGES = frozenset({"SCHEDULING", "RUNNING", "UPDATING"})


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


@dataclass(frozen=True)
class HubVolume:
    type: str
    source: str
    mount_path: str
    revision: str | None = None
    read_only: bool | None = None
    path: str | None = None


@dataclass(frozen=True)
class JobRequest:
    """Everything the Hub needs to start a job, or the job spec of a scheduled job."""

    image: str
    command: tuple[str, ...]
    env: Mapping[str, str]
    secrets: Mapping[str, SecretValue]
    flavor: str
    timeout: int
    attempts: int
    labels: Mapping[str, str]
    volumes: tuple[HubVolume, ...] = ()
    expose: tuple[int, ...] = ()
    expose_public: tuple[int, ...] = ()


@dataclass(frozen=True)
class LiveSpec:
    """A job spec as the Hub reports it. `timeout` and `attempts` are None where the Hub does not say."""

    image: str
    command: tuple[str, ...]
    env: Mapping[str, str]
    secret_names: tuple[str, ...]
    flavor: str
    labels: Mapping[str, str]
    volumes: tuple[HubVolume, ...] = ()
    expose: tuple[int, ...] = ()
    expose_public: tuple[int, ...] = ()
    timeout: int | None = None
    attempts: int | None = None


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
        return self.stage in ACTIVE_STAGES

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
