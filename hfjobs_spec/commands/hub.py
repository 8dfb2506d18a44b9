"""Wiring a `HubBackend`: the real Hub (endpoint and token from the usual huggingface_hub settings) or,
with `--local`, an embedded localhub whose state lives in the project's `.hfjobs/` folder."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hfjobs_spec.errors import LocalHubError
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy
from hfjobs_spec.masking import SecretMask

if TYPE_CHECKING:
    from hfjobs_spec.localhub import LocalHub

LOCAL_USER = "local-user"
LOCAL_TOKEN = "hfjobs-local-token"


@dataclass(frozen=True)
class HubSettings:
    """Where the Hub is. `endpoint`/`token` override the huggingface_hub settings (HF_ENDPOINT, HF_TOKEN)."""

    local: bool = False
    endpoint: str | None = None
    token: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    notify: Callable[[str], None] | None = None  # hears about long waits (rate limits), for the user
    mask: SecretMask | None = None  # told the token, so that no output can show it


def hub_identity(settings: HubSettings, backend: HubBackend) -> str:
    """Which Hub a plan is made against, stably: the embedded one's address changes every run."""
    return "local (embedded)" if settings.local else backend.endpoint


@contextmanager
def open_backend(settings: HubSettings, project_root: Path, namespaces: Iterable[str]) -> Iterator[HubBackend]:
    """A retrying backend for the duration of the block. `namespaces` are the ones the project uses."""
    if not settings.local:
        from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client

        install_http_client()
        backend = HfApiBackend(endpoint=settings.endpoint, token=settings.token)
        if settings.mask is not None:
            settings.mask.add(backend.token())
        yield RetryingBackend(backend, settings.retry, notify=settings.notify)
        return
    # The embedded Hub never needs the client's telemetry side requests to the real Hub.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
    from hfjobs_spec.localhub import LocalHub

    install_http_client()
    orgs = sorted({ns for ns in namespaces if ns and ns != LOCAL_USER})
    with _local_hub(LocalHub.for_project(project_root, user=LOCAL_USER, orgs=orgs)) as hub:
        yield RetryingBackend(HfApiBackend(endpoint=hub.url, token=LOCAL_TOKEN), settings.retry,
                              notify=settings.notify)


@contextmanager
def _local_hub(hub: LocalHub) -> Iterator[LocalHub]:
    """Start the embedded Hub; a state folder it cannot use is the user's to fix, not a bug."""
    from hfjobs_spec.localhub.db import SchemaMismatchError

    try:
        hub.start()
    except SchemaMismatchError as exc:
        raise LocalHubError(f"{exc}: the embedded Hub's state was written by another version of hfjobs-spec; "
                            f"delete {hub.db_path.parent} to start afresh") from exc
    except (OSError, sqlite3.DatabaseError) as exc:
        raise LocalHubError(f"cannot open the embedded Hub's state in {hub.db_path}: {exc}; "
                            f"delete {hub.db_path.parent} to start afresh") from exc
    try:
        yield hub
    finally:
        hub.stop()
