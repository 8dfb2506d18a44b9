"""`on: hub:` webhooks and network groups, planned and applied against the fake Hub."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.reconcile.webhook_marker import WebhookMarker, parse_marker

from .helpers import Session, one_shot, write_project

ON = "\non:\n  hub:\n    watched: [{type: dataset, name: acme/data}]\n"


def _hooked(name: str = "train", on: str = ON, **fields: str) -> str:
    return one_shot(name, **fields) + on


def test_create_then_nothing_to_do_then_repoint_on_a_new_revision(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": _hooked(secrets="[TOKEN]")})
    session.environ["TOKEN"] = "tok-value"
    planned = session.plan()
    change = planned.plan.changes[0]
    assert change.action == "create" and change.webhook is not None and change.webhook.action == "create"
    assert [op.kind for op in change.operations] == ["run", "create_webhook"]
    assert session.apply(planned).ok
    (hook,) = hub.webhooks.values()
    (run,) = hub.runs.values()
    assert hub.webhook_jobs[hook.id] == run.id and hub.secret_values[hook.id] == {"TOKEN": "tok-value"}
    marker = parse_marker(hook.marker)
    assert marker == WebhookMarker("demo", "default", "alice", "train", run.id, ("TOKEN",))
    assert run.labels["hfjobs-webhook"] == "true"
    assert session.actions() == {"train": "noop"}
    # A new revision: a new run, and the same webhook pointed at it in place.
    write_project(session.root, {"train": _hooked(secrets="[TOKEN]", flavor="cpu-upgrade")})
    change = session.plan().plan.changes[0]
    assert change.action == "replace" and change.webhook is not None and change.webhook.action == "update"
    assert [f.field for f in change.webhook.fields] == ["job"]
    assert session.apply().ok
    (same,) = hub.webhooks.values()
    assert same.id == hook.id and hub.webhook_jobs[same.id] != run.id
    assert session.actions() == {"train": "noop"}


def test_watched_domains_and_secrets_update_in_place_and_dropped_secrets_are_removed(session: Session,
                                                                                      hub: FakeHub) -> None:
    session.environ.update(A="1", B="2")
    write_project(session.root, {"train": _hooked(secrets="[A, B]")})
    assert session.apply().ok
    run_ids = set(hub.runs)
    on = "\non:\n  hub:\n    watched: [{type: org, name: acme}]\n    domains: [repo]\n"
    write_project(session.root, {"train": one_shot("train", secrets="[A]") + on})
    change = session.plan().plan.changes[0]
    assert change.webhook is not None and change.webhook.action == "update"
    assert {f.field for f in change.webhook.fields} == {"watched", "domains", "secrets", "job"}
    assert session.apply().ok
    (hook,) = hub.webhooks.values()
    assert hook.watched == (("org", "acme"),) and hook.domains == ("repo",)
    assert hub.secret_values[hook.id] == {"A": "1"}
    assert set(hub.runs) != run_ids  # secret names are part of the job's revision too


def test_a_hand_disabled_webhook_is_enabled_again(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": _hooked()})
    assert session.apply().ok
    (hook,) = hub.webhooks.values()
    hub.disable_webhook(hook.id)
    change = session.plan().plan.changes[0]
    assert change.action == "update" and [op.kind for op in change.operations] == ["enable_webhook"]
    assert session.apply().ok
    assert not hub.webhooks[hook.id].disabled and session.actions() == {"train": "noop"}


def test_unmanaged_webhooks_are_never_touched_even_on_our_run(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": _hooked()})
    assert session.apply().ok
    (ours,) = hub.webhooks.values()
    (run,) = hub.runs.values()
    theirs = hub.seed_webhook(run.id, (("model", "acme/m"),), secret="their-signing-secret")
    forged = hub.seed_webhook(run.id, (("model", "acme/m"),), secret="hfjobs-spec-webhook;v=1;project=demo")
    assert session.actions() == {"train": "noop"}
    write_project(session.root, {})
    assert session.apply(allow_empty=True).ok
    assert set(hub.webhooks) == {theirs.id, forged.id} and ours.id not in hub.webhooks


def test_pruned_with_its_manifest_then_plan_stops_reading_webhooks(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": _hooked(), "other": one_shot("other")})
    assert session.apply().ok
    for run_id in list(hub.runs):
        hub.finish_run(run_id)
    write_project(session.root, {"other": one_shot("other")})
    changes = {c.name: c for c in session.plan().plan.changes}
    assert changes["train"].action == "delete" and changes["train"].webhook is not None
    assert [op.kind for op in changes["train"].operations] == ["delete_webhook", "relabel_run"]
    assert session.apply().ok
    assert hub.webhooks == {}
    before = hub.calls.get("list_webhooks", 0)
    assert session.actions() == {"other": "noop"}
    assert hub.calls.get("list_webhooks", 0) == before  # no `on:`, no webhook label: no webhook list


def test_removing_on_deletes_the_webhook_and_keeps_the_run(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": _hooked()})
    assert session.apply().ok
    write_project(session.root, {"train": one_shot("train")})
    change = session.plan().plan.changes[0]
    assert change.action == "update" and change.webhook is not None and change.webhook.action == "delete"
    assert session.apply().ok
    assert hub.webhooks == {} and len(hub.runs) == 1
    assert session.actions() == {"train": "noop"}


def test_no_prune_keeps_the_webhook(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": _hooked(), "other": one_shot("other")})
    assert session.apply().ok
    write_project(session.root, {"other": one_shot("other")})
    assert session.apply(prune=False).ok
    assert len(hub.webhooks) == 1


def test_plan_without_webhooks_does_not_list_them(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": one_shot("train")})
    assert session.apply().ok
    session.plan()
    assert "list_webhooks" not in hub.calls


@pytest.mark.parametrize("aliases", ["", "\n  aliases: [master, worker]"])
def test_a_network_change_is_a_new_revision(session: Session, hub: FakeHub, aliases: str) -> None:
    write_project(session.root, {"train": one_shot("train") + f"network:\n  group: train{aliases}\n"})
    assert session.apply().ok
    (run,) = hub.runs.values()
    assert run.spec.network is not None and run.spec.network.group == "train"
    assert session.actions() == {"train": "noop"}
    write_project(session.root, {"train": one_shot("train") + "network:\n  group: eval\n"})
    change = session.plan().plan.changes[0]
    assert change.action == "replace" and any(f.field == "network" and f.forces_replacement for f in change.fields)


def test_runs_a_webhook_started_are_never_cancelled_as_duplicates(tmp_path: Path) -> None:
    """Against localhub: the Hub's webhook re-runs the spec with its labels; apply leaves those runs alone."""
    from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
    from hfjobs_spec.hub.retry import RetryingBackend
    from hfjobs_spec.localhub import Clock, LocalHub

    from .conftest import FAST, TOKEN

    install_http_client()
    with LocalHub(user="alice", clock=Clock.frozen_at(datetime(2026, 1, 5, 12, tzinfo=UTC))) as hub:
        session = Session(tmp_path / "p", RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN), FAST,
                                                          sleep=lambda s: None))
        write_project(session.root, {"train": _hooked()})
        assert session.apply().ok
        (hook,) = session.backend.list_webhooks()
        request = urllib.request.Request(f"{hub.url}/_localhub/webhooks/{hook.id}/fire", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            fired = json.loads(answer.read())
        assert fired["initiator"] == {"type": "webhook", "id": hook.id}
        assert fired["labels"]["hfjobs-name"] == "train" and "WEBHOOK_PAYLOAD" in fired["environment"]
        assert session.actions() == {"train": "noop"}
        assert session.backend.inspect_job("alice", fired["id"]).active


def test_destroy_deletes_the_projects_webhooks_and_nothing_else(session: Session, hub: FakeHub) -> None:
    from hfjobs_spec import labels as L
    from hfjobs_spec.commands import reconcile
    from hfjobs_spec.reconcile.destroy import plan_destroy
    from hfjobs_spec.reconcile.execute import Executor
    from hfjobs_spec.reconcile.live import DiffOptions

    write_project(session.root, {"train": _hooked()})
    assert session.apply().ok
    (ours,) = hub.webhooks.values()
    theirs = hub.seed_webhook(next(iter(hub.runs)), (("org", "acme"),), secret="theirs")
    live = reconcile.read_live(session.backend, ["alice"], "demo", (), L.DEFAULT_ENVIRONMENT)
    planned = plan_destroy(live, DiffOptions(project="demo"))
    (hooked,) = [c for c in planned.plan.pending if c.webhook is not None]
    assert hooked.webhook is not None and hooked.webhook.live_ids == (ours.id,)
    report = Executor(session.backend, {}, project="demo", environment="default", environ={}).run(planned.plan.pending)
    assert report.ok and set(hub.webhooks) == {theirs.id}


def test_a_renamed_hooked_job_moves_its_webhook(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": _hooked()})
    assert session.apply().ok
    write_project(session.root, {"fit": _hooked("fit") + "previous_names: [train]\n"})
    assert session.apply().ok
    (hook,) = hub.webhooks.values()
    marker = parse_marker(hook.marker)
    assert marker is not None and marker.name == "fit"
    assert session.actions() == {"fit": "noop"}
