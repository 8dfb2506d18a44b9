"""The real client against localhub's webhook routes: list, create, update, enable, disable, delete."""

from __future__ import annotations

from typing import Any

import pytest
from huggingface_hub import HfApi, WebhookWatchedItem
from huggingface_hub.errors import HfHubHTTPError

WATCHED: list[dict[Any, Any] | WebhookWatchedItem] = [{"type": "dataset", "name": "acme/data"}]


def _run(hf_api: HfApi, namespace: str = "alice") -> str:
    job = hf_api.run_job(image="python:3.12", command=["python", "-c", "1"], labels={"team": "ml"},
                         secrets={"HF_TOKEN": "hf_xxx"}, namespace=namespace)
    return job.id


def test_create_copies_the_source_runs_spec_and_never_returns_secret_values(hf_api: HfApi) -> None:
    job_id = _run(hf_api)
    hook = hf_api.create_webhook(job_id=job_id, watched=WATCHED, domains=["repo"], secret="mark",
                                 secrets={"TOKEN": "s3cr3t-value"})
    assert hook.url is None and hook.job is not None
    assert hook.job.docker_image == "python:3.12" and (hook.job.labels or {}).get("team") == "ml"
    assert list(hook.job.secrets or ()) == ["TOKEN"]  # the webhook's own secrets, by name; the run's are not copied
    assert (hook.watched[0].type, hook.watched[0].name, hook.domains, hook.secret, hook.disabled) == (
        "dataset", "acme/data", ["repo"], "mark", False)
    assert [h.id for h in hf_api.list_webhooks()] == [hook.id]
    assert "s3cr3t-value" not in repr(hf_api.get_webhook(hook.id))


def test_update_repoints_and_merges_secrets_then_enable_disable_delete(hf_api: HfApi) -> None:
    first, second = _run(hf_api), _run(hf_api, "acme")
    hook = hf_api.create_webhook(job_id=first, watched=WATCHED, secrets={"A": "1", "B": "2"})
    assert hook.domains == ["repo", "discussion"]  # the client's default: both
    updated = hf_api.update_webhook(hook.id, job_id=second, watched=[{"type": "org", "name": "acme"}],
                                    domains=["discussion"], secret="new", secrets={"A": "", "C": "3"})
    assert updated.job is not None and sorted(updated.job.secrets or ()) == ["B", "C"]
    assert (updated.watched[0].name, updated.domains, updated.secret) == ("acme", ["discussion"], "new")
    assert hf_api.disable_webhook(hook.id).disabled is True
    assert hf_api.list_webhooks()[0].disabled is True
    assert hf_api.enable_webhook(hook.id).disabled is False
    hf_api.delete_webhook(hook.id)
    assert hf_api.list_webhooks() == []
    with pytest.raises(HfHubHTTPError) as caught:
        hf_api.delete_webhook(hook.id)
    assert caught.value.response is not None and caught.value.response.status_code == 404


@pytest.mark.parametrize(("kwargs", "status", "message"), [
    ({"job_id": "0" * 24, "watched": WATCHED}, 404, "Job 000000000000000000000000 not found"),
    ({"url": "https://example.org/hook", "watched": []}, 400, "watched must be a non-empty list"),
    ({"url": "https://example.org/hook", "watched": [{"type": "repo", "name": "x"}]}, 400, "watched[0].type"),
    ({"url": "https://example.org/hook", "watched": WATCHED, "domains": ["commits"]}, 400, "domains must be"),
    ({"url": "ftp://example.org", "watched": WATCHED}, 400, "url must be an http(s) URL"),
])
def test_bad_webhooks_are_refused_like_bad_jobs(hf_api: HfApi, kwargs: dict[str, object], status: int,
                                                message: str) -> None:
    with pytest.raises(HfHubHTTPError) as caught:
        hf_api.create_webhook(**kwargs)  # type: ignore[arg-type]
    assert caught.value.response is not None and caught.value.response.status_code == status
    assert message in str(caught.value)
    assert hf_api.list_webhooks() == []


def test_webhooks_need_a_token(hf_api: HfApi, localhub: object) -> None:
    anonymous = HfApi(endpoint=hf_api.endpoint, token=False)
    with pytest.raises(HfHubHTTPError) as caught:
        anonymous.list_webhooks()
    assert caught.value.response is not None and caught.value.response.status_code == 401


def test_a_network_group_reads_back_on_the_run(hf_api: HfApi) -> None:
    job = hf_api.run_job(image="python:3.12", command=["true"], network_group="train", network_aliases=["master"],
                         namespace="alice")
    assert hf_api.inspect_job(job_id=job.id, namespace="alice").network is not None
    assert (job.network.group, job.network.aliases) == ("train", ["master"])  # type: ignore[union-attr]
