"""A `backend` fixture that runs the same tests against the in-memory fake and against localhub."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy

FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)
TOKEN = "hf_reconcile_test_token"


@contextmanager
def open_hub(kind: str) -> Iterator[HubBackend]:
    """A fresh, empty Hub of the given kind, behind the retry wrapper (no real sleeping)."""
    if kind == "fake":
        yield RetryingBackend(FakeHub(user="alice", orgs=("acme",), token=TOKEN), FAST, sleep=lambda s: None)
        return
    from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
    from hfjobs_spec.localhub import Clock, LocalHub

    install_http_client()  # as open_backend does
    clock = Clock.frozen_at(datetime(2026, 1, 5, 12, tzinfo=UTC))
    with LocalHub(user="alice", orgs=("acme",), clock=clock, page_size=7) as hub:
        yield RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN), FAST, sleep=lambda s: None)


@pytest.fixture(params=["fake", "localhub"])
def backend(request: pytest.FixtureRequest) -> Iterator[HubBackend]:
    with open_hub(request.param) as hub:
        yield hub
