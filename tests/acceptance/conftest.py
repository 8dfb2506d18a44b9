"""The Hub the acceptance tests drive: a localhub on a free loopback port, user alice, orgs acme and other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN


@pytest.fixture
def hub() -> Iterator[LocalHub]:
    with LocalHub(user="alice", orgs=("acme", "other")) as running:
        yield running


@pytest.fixture
def api(hub: LocalHub) -> HfApi:
    """The real client, as a person on the same Hub would use it."""
    return HfApi(endpoint=hub.url, token=TOKEN)
