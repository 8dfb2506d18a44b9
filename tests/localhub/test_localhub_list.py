"""Listing: pagination through the client's `Link` following, filters, ordering."""

from __future__ import annotations

import json
import urllib.request

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import Clock, LocalHub

NS = "alice"


@pytest.fixture
def small_pages(make_hub: object) -> LocalHub:
    hub: LocalHub = make_hub(page_size=5)  # type: ignore[operator]
    return hub


def _get(url: str, token: str) -> tuple[list[dict[str, object]], str | None]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read()), response.headers.get("Link")


def test_list_jobs_follows_pages_newest_first(small_pages: LocalHub, clock: Clock, token: str) -> None:
    api = HfApi(endpoint=small_pages.url, token=token)
    created = []
    for index in range(12):
        created.append(api.run_job(image="python:3.12", command=["echo", str(index)], namespace=NS).id)
        if index % 4 == 3:
            clock.advance(1)  # some jobs share a creation instant: ids break the tie
    small_pages.reset_counters()
    listed = [job.id for job in api.list_jobs(namespace=NS)]
    assert sorted(listed) == sorted(created) and len(listed) == 12
    # newest first: the last batch of four (same instant) comes first, ordered by id descending
    assert listed[:4] == sorted(created[8:], reverse=True)
    assert listed[8:] == sorted(created[:4], reverse=True)
    assert small_pages.counters() == {"GET /api/jobs/{ns}": 3}


def test_link_header_is_absolute_and_carries_filters(small_pages: LocalHub, token: str) -> None:
    api = HfApi(endpoint=small_pages.url, token=token)
    for _ in range(7):
        api.run_job(image="python:3.12", command=["true"], labels={"team": "ml"}, namespace=NS)
    page, link = _get(f"{small_pages.url}/api/jobs/{NS}?stage=SCHEDULING&label=team=ml", token)
    assert len(page) == 5
    assert (
        link is not None
        and link.startswith(f"<{small_pages.url}/api/jobs/{NS}?")
        and link.endswith('>; rel="next"')
    )
    next_url = link[1 : link.index(">")]
    assert "stage=SCHEDULING" in next_url and "label=team%3Dml" in next_url and "cursor=" in next_url
    second, last_link = _get(next_url, token)
    assert len(second) == 2 and last_link is None
    assert not {job["id"] for job in page} & {job["id"] for job in second}


def test_list_jobs_filters_by_stage_and_labels_with_and(
    small_pages: LocalHub, clock: Clock, token: str
) -> None:
    api = HfApi(endpoint=small_pages.url, token=token)
    done = [
        api.run_job(
            image="python:3.12", command=["true"], labels={"team": "ml", "env": "prod"}, namespace=NS
        ).id
        for _ in range(6)
    ]
    clock.advance(3600)  # the first six complete
    fresh = [
        api.run_job(
            image="python:3.12", command=["true"], labels={"team": "ml", "env": "dev"}, namespace=NS
        ).id
        for _ in range(7)
    ]
    api.run_job(image="python:3.12", command=["true"], labels={"team": "data"}, namespace=NS)

    def ids(**kwargs: object) -> set[str]:
        return {job.id for job in api.list_jobs(namespace=NS, **kwargs)}  # type: ignore[arg-type]

    assert ids(status="COMPLETED") == set(done)
    assert ids(status=["SCHEDULING", "RUNNING"], labels={"team": "ml"}) == set(fresh)
    assert ids(labels={"team": "ml", "env": "prod"}) == set(done)
    assert ids(labels={"team": "ml", "env": "staging"}) == set()
    assert ids(labels={"team": "ml"}) == set(done) | set(fresh)
    assert ids(status="ERROR") == set()


def test_default_page_size_is_100(localhub: LocalHub, hf_api: HfApi, token: str) -> None:
    for _ in range(101):
        hf_api.run_job(image="python:3.12", command=["true"], namespace=NS)
    first, link = _get(f"{localhub.url}/api/jobs/{NS}", token)
    assert len(first) == 100 and link is not None
    localhub.reset_counters()
    assert len(list(hf_api.list_jobs(namespace=NS))) == 101
    assert localhub.counters() == {"GET /api/jobs/{ns}": 2}


def test_list_is_per_namespace(hf_api: HfApi) -> None:
    mine = hf_api.run_job(image="python:3.12", command=["true"], namespace=NS)
    theirs = hf_api.run_job(image="python:3.12", command=["true"], namespace="acme")
    assert [job.id for job in hf_api.list_jobs(namespace=NS)] == [mine.id]
    assert [job.id for job in hf_api.list_jobs(namespace="acme")] == [theirs.id]
