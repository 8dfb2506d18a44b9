"""Fixtures: `hub`/`session` on the in-memory fake, and `backend`, the same tests on the fake and on localhub."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy

from .helpers import Session

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


@pytest.fixture
def hub() -> FakeHub:
    """The in-memory Hub the scenario tests drive (test modules against localhub define their own)."""
    return FakeHub(user="alice", orgs=("acme",))


@pytest.fixture
def session(tmp_path: Path, hub: FakeHub) -> Session:
    """A project on disk, planned and applied against `hub` behind the retry layer, without sleeping."""
    return Session(tmp_path / "project", RetryingBackend(hub, FAST, sleep=lambda s: None))


@pytest.fixture(params=["fake", "localhub"])
def backend(request: pytest.FixtureRequest) -> Iterator[HubBackend]:
    with open_hub(request.param) as hub:
        yield hub
