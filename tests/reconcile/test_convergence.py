"""Convergence where no lease can help: duplicates are removed, and 'already gone' counts as done."""

from __future__ import annotations

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HubBadRequestError, HubNotFoundError
from hfjobs_spec.hub.fake import FakeHub

from .helpers import Session, one_shot, scheduled, write_project


def test_duplicate_active_runs_of_one_revision_are_cancelled_but_the_oldest(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    first, second = session.plan(), session.plan()  # two applies that planned at the same moment
    assert session.apply(first).ok and session.apply(second).ok
    oldest, younger = sorted(hub.runs)
    plan = session.plan().plan
    (cancel,) = plan.pending
    assert cancel.action == "delete" and cancel.live_ids == (younger,) and "duplicate run" in cancel.reason
    assert session.apply().ok
    assert hub.runs[oldest].active and not hub.runs[younger].active
    assert not session.plan().plan.has_changes


def test_a_finished_run_of_the_revision_next_to_an_active_one_is_no_duplicate(session: Session,
                                                                              hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    session.apply(replace=("smoke",))  # a forced new run of the same revision
    first, forced = sorted(hub.runs)
    hub.finish_run(first)
    assert not session.plan().plan.has_changes
    assert hub.runs[forced].active


def test_a_delete_of_a_job_already_gone_is_success(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    write_project(session.root, {"a": scheduled("nightly", flavor="t4-small")})
    planned = session.plan()
    (old,) = hub.scheduled
    hub.delete_scheduled_job("alice", old)  # another apply or a person got there first
    report = session.apply(planned)
    assert report.ok, report
    assert len(hub.scheduled) == 1 and old not in hub.scheduled


def test_a_cancel_refused_for_a_finished_run_is_success_once_a_reread_shows_it_ended(session: Session,
                                                                                    hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    write_project(session.root, {"a": one_shot("smoke", flavor="t4-small")})
    planned = session.plan()
    (first,) = hub.runs
    hub.finish_run(first)
    hub.fail_next("cancel_job", HubBadRequestError("400: job is not running", status=400))
    assert session.apply(planned).ok
    assert not session.plan().plan.has_changes


def test_a_cancel_refused_for_a_run_still_active_is_a_failure(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    write_project(session.root, {"a": one_shot("smoke", flavor="t4-small")})
    hub.fail_next("cancel_job", HubBadRequestError("400: cannot cancel now", status=400))
    report = session.apply()
    assert not report.ok and "cannot cancel now" in (report.failed[0].error or "")


def test_a_cancel_of_a_vanished_run_is_success(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    write_project(session.root, {})
    hub.fail_next("cancel_job", HubNotFoundError("404: no such job", status=404))
    assert session.apply(allow_empty=True).ok


def test_runs_of_earlier_revisions_leave_the_listing_so_plans_do_not_grow_with_history(session: Session,
                                                                                      hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    (first,) = hub.runs
    hub.finish_run(first)
    write_project(session.root, {"a": one_shot("smoke", flavor="t4-small")})
    assert session.apply().ok
    listed = session.backend.list_jobs("alice", {L.PROJECT: "demo"})
    assert [run.labels[L.SPEC_HASH] for run in listed] != [] and first not in {run.id for run in listed}
    # Runs left listed by an earlier version of the tool are retired once, in one update.
    labels = dict(hub.runs[first].labels)
    labels[L.PROJECT] = labels.pop(L.RETIRED_FROM)
    hub.set_job_labels("alice", first, labels)
    (tidy,) = session.plan().plan.pending
    assert tidy.action == "update" and f"run {first} of an earlier revision: relabel it out" in tidy.reason
    assert session.apply().ok
    assert not session.plan().plan.has_changes
    assert len(session.backend.list_jobs("alice", {L.PROJECT: "demo"})) == 1
    assert len(hub.runs) == 2  # nothing was deleted: the history is still on the Hub
