"""Fixtures for localhub tests: a started hub on a free loopback port, and a real client for it.

`localhub` is the hub (frozen clock at `START`, user `alice`, org `acme`); `hf_api` is a
`huggingface_hub.HfApi` pointed at it; `make_hub(**kwargs)` starts extra hubs with other
settings (all stopped at teardown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import Clock, LocalHub

START = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)  # a Monday, noon UTC
TOKEN = "hf_localhub_test_token"
USER = "alice"
ORG = "acme"

MakeHub = Callable[..., LocalHub]


@pytest.fixture
def start() -> datetime:
    """The instant the frozen clock starts at."""
    return START


@pytest.fixture
def token() -> str:
    """The bearer token `hf_api` sends."""
    return TOKEN


@pytest.fixture
def clock() -> Clock:
    """A frozen hub clock; tests move it with `advance()` / `set()` instead of sleeping."""
    return Clock.frozen_at(START)


@pytest.fixture
def make_hub(clock: Clock) -> Iterator[MakeHub]:
    """Start a LocalHub with the given keyword arguments (defaults: the shared frozen clock,
    user alice, org acme). Every hub started through it is stopped at teardown."""
    hubs: list[LocalHub] = []

    def make(**kwargs: Any) -> LocalHub:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("user", USER)
        kwargs.setdefault("orgs", (ORG,))
        hub = LocalHub(**kwargs).start()
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.stop()


@pytest.fixture
def localhub(make_hub: MakeHub) -> LocalHub:
    """A started hub with default settings (page size 100, any non-empty token accepted)."""
    return make_hub()


@pytest.fixture
def hf_api(localhub: LocalHub) -> HfApi:
    """The real client, pointed at `localhub`."""
    return HfApi(endpoint=localhub.url, token=TOKEN)
