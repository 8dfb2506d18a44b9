"""Wiring a `HubBackend`: the real Hub (endpoint and token from the usual huggingface_hub settings) or,
with `--local`, an embedded localhub whose state lives in the project's `.hfjobs/` folder."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy
from hfjobs_spec.masking import SecretMask

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


@contextmanager
def open_backend(settings: HubSettings, project_root: Path, namespaces: Iterable[str]) -> Iterator[HubBackend]:
    """A retrying backend for the duration of the block. `namespaces` are the ones the project uses."""
    if not settings.local:
        from hfjobs_spec.hub.hfapi import HfApiBackend

        backend = HfApiBackend(endpoint=settings.endpoint, token=settings.token)
        if settings.mask is not None:
            settings.mask.add(backend.token())
        yield RetryingBackend(backend, settings.retry, notify=settings.notify)
        return
    # The embedded Hub never needs the client's telemetry side requests to the real Hub.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from hfjobs_spec.hub.hfapi import HfApiBackend
    from hfjobs_spec.localhub import LocalHub

    orgs = sorted({ns for ns in namespaces if ns and ns != LOCAL_USER})
    with LocalHub.for_project(project_root, user=LOCAL_USER, orgs=orgs) as hub:
        yield RetryingBackend(HfApiBackend(endpoint=hub.url, token=LOCAL_TOKEN), settings.retry,
                              notify=settings.notify)
