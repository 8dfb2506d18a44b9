"""Runs started by hand (`hfjobs-spec run`) are outside the revision rule: apply never cancels or
retires them, and never counts one as the revision's run."""

from __future__ import annotations

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.errors import HubError, HubTransportError, NoRunError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import JobRequest, LiveRun, LiveSpec
from hfjobs_spec.hub.retry import RetryingBackend
from hfjobs_spec.reconcile.live import DiffOptions, is_revision_run
from hfjobs_spec.reconcile.runs import hand_labels, latest_run
from hfjobs_spec.reconcile.status import status_rows
from hfjobs_spec.reconcile.translate import to_request

from .conftest import FAST
from .helpers import Session, one_shot, scheduled, write_project

OPTIONS = DiffOptions(project="demo")


def start_by_hand(session: Session, name: str) -> str:
    """What `hfjobs-spec run NAME` sends for a one-shot run of the manifest as it renders now."""
    _, specs = load_specs(session.settings().manifests, session.environ)
    spec = next(spec for spec in specs if spec.name == name)
    return session.backend.run_job("alice", to_request(spec, hand_labels(spec, OPTIONS), {})).id


def test_a_hand_run_is_not_the_revisions_run_so_apply_still_starts_one(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    hand = start_by_hand(session, "smoke")
    assert session.actions() == {"smoke": "create"}
    assert session.apply().ok
    assert hub.runs[hand].active and hub.runs[hand].labels[L.STARTED_BY] == "hand"
    (revision,) = [run for run in hub.runs.values() if run.id != hand]
    assert L.STARTED_BY not in revision.labels
    assert not session.plan().plan.has_changes


def test_a_new_revision_cancels_and_retires_the_old_run_but_never_the_hand_run(session: Session,
                                                                                hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    (old,) = hub.runs
    hand = start_by_hand(session, "smoke")
    labels_before = dict(hub.runs[hand].labels)
    write_project(session.root, {"a": one_shot("smoke", flavor="cpu-upgrade")})
    change = session.plan().plan.pending[0]
    assert {op.target for op in change.operations} == {old, None}  # cancel + retire the old run only
    assert session.apply().ok
    assert hub.runs[old].stage == "CANCELED" and L.RETIRED_FROM in hub.runs[old].labels
    assert hub.runs[hand].active and dict(hub.runs[hand].labels) == labels_before
    assert not session.plan().plan.has_changes


def test_removing_the_manifest_cancels_its_runs_but_not_the_hand_run(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke"), "b": one_shot("other")})
    session.apply()
    hand = start_by_hand(session, "smoke")
    write_project(session.root, {"b": one_shot("other")})
    assert session.actions() == {"smoke": "delete", "other": "noop"}
    assert session.apply().ok
    assert hub.runs[hand].active
    assert [run.stage for run in hub.runs.values() if run.id != hand and run.labels[L.MANIFEST_NAME] == "smoke"] == [
        "CANCELED"]


def test_a_hand_one_shot_run_of_a_scheduled_manifest_is_left_alone(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    hand = start_by_hand(session, "nightly")  # `run nightly --var ...` renders a one-shot run of it
    assert session.actions() == {"nightly": "noop"}
    assert session.apply().ok and hub.runs[hand].active


def test_a_triggered_hand_run_is_not_a_revision_run(hub: FakeHub) -> None:
    spec = LiveSpec(image="i", command=("c",), env={}, flavor="cpu-basic", secret_names=(),
                    labels={L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: "demo", L.ENVIRONMENT: "default",
                            L.MANIFEST_NAME: "x"})
    by_apply = LiveRun("1", "alice", spec, "RUNNING", initiator_type="user")
    assert is_revision_run(by_apply, OPTIONS)
    marked = LiveSpec(**{**spec.__dict__, "labels": {**spec.labels, L.STARTED_BY: L.STARTED_BY_HAND}})
    assert not is_revision_run(LiveRun("2", "alice", marked, "RUNNING", initiator_type="user"), OPTIONS)
    assert not is_revision_run(LiveRun("3", "alice", marked, "RUNNING", initiator_type="scheduled-job"), OPTIONS)


def test_a_hand_run_leaves_a_saved_plan_valid(session: Session) -> None:
    write_project(session.root, {"a": one_shot("smoke"), "b": one_shot("later")})
    session.apply()
    write_project(session.root, {"a": one_shot("smoke", flavor="cpu-upgrade"), "b": one_shot("later")})
    before = session.plan().plan
    start_by_hand(session, "smoke")
    start_by_hand(session, "later")
    after = session.plan().plan
    assert after.live_digest == before.live_digest and after.changes == before.changes


def test_a_hand_run_does_not_hide_a_look_alike_from_the_first_plan(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    start_by_hand(session, "smoke")
    made_by_a_person = LiveSpec(image="python:3.12", command=("true",), env={}, flavor="cpu-basic",
                                labels={L.HUB_NAME: "smoke"}, secret_names=())
    with hub._lock:  # a run made with `hf jobs run --name smoke`
        hub.runs["f" * 24] = LiveRun("f" * 24, "alice", made_by_a_person, "RUNNING", initiator_type="user")
    (conflict,) = session.plan().plan.conflicts
    assert conflict.name == "smoke" and conflict.live_ids == ("f" * 24,)


def test_status_shows_the_revisions_run_not_a_newer_hand_run(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    (revision,) = hub.runs
    start_by_hand(session, "smoke")
    planned = session.plan()
    (row,) = status_rows(planned.live, OPTIONS, session.backend, planned.plan)
    assert row.last_run_id == revision and row.sync == "in sync"


def test_a_trigger_is_retried_only_when_the_hub_certainly_did_not_act(hub: FakeHub) -> None:
    backend = RetryingBackend(hub, FAST, sleep=lambda s: None)
    request = JobRequest(image="python:3.12", command=("true",), env={}, flavor="cpu-basic", labels={"name": "x"},
                         secrets={})
    job = backend.create_scheduled_job("alice", request, schedule="@daily", suspend=False, concurrency=True)
    hub.fail_next("trigger_scheduled_job", HubTransportError("cannot connect"))  # nothing was sent
    assert backend.trigger_scheduled_job("alice", job.id).initiator_id == job.id
    hub.fail_next("trigger_scheduled_job", HubTransportError("timed out", ambiguous=True), commit=True)
    with pytest.raises(HubError, match="may have started") as raised:
        backend.trigger_scheduled_job("alice", job.id)
    assert not isinstance(raised.value, HubTransportError)
    assert len(hub.runs) == 2  # one per trigger that reached the Hub, never a third by retrying



def test_the_latest_run_of_a_schedule_is_its_last_or_a_newer_hand_run(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly", concurrency="true")})
    session.apply()
    (job,) = hub.scheduled
    spec = next(s for s in session.plan().specs if s.name == "nightly")
    with pytest.raises(NoRunError, match="nightly has not run yet"):
        latest_run(session.backend, spec, OPTIONS)
    ticks = [session.backend.trigger_scheduled_job("alice", job).id for _ in range(3)]
    assert latest_run(session.backend, spec, OPTIONS).id == ticks[-1]
    hand = start_by_hand(session, "nightly")
    assert latest_run(session.backend, spec, OPTIONS).id == hand
    again = session.backend.trigger_scheduled_job("alice", job).id
    assert latest_run(session.backend, spec, OPTIONS).id == again
