"""Renames without replacement (`previous_names`, issue 10 point 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.commands.manifests import load_specs, validate
from hfjobs_spec.errors import ManifestErrors, PlanError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.output.plan_markdown import render_plan_markdown
from hfjobs_spec.output.plan_text import render_plan
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.plan_file import check_same_plan, read_plan_file

from .helpers import Session, one_shot, scheduled, write_project


def renamed_to(new: str, old: str, body: str) -> str:
    """`body` (a manifest of `old`) renamed to `new`, with `old` as its previous name."""
    first, rest = body.split("\n", 1)
    assert first in (f"name: {old}", f"name: {new}")
    return f"name: {new}\nprevious_names: [{old}]\n{rest}"


def test_a_scheduled_job_is_renamed_in_place_and_keeps_its_id(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    assert session.apply().ok
    (job_id,) = hub.scheduled
    write_project(session.root, {"a": renamed_to("nightly-eval", "nightly", scheduled("nightly"))})
    plan = session.plan().plan
    (change,) = plan.pending
    assert (change.action, change.moved_from, change.live_ids) == ("update", "nightly", (job_id,))
    assert [op.kind for op in change.operations] == ["relabel_scheduled"]
    text = render_plan(plan)
    assert "# moved from nightly" in text and 'name: "nightly" -> "nightly-eval"' in text
    assert "1 renamed in place." in text and "replace" not in change.reason
    assert "moved from `nightly`" in render_plan_markdown(plan)
    assert Plan.from_dict(plan.to_dict()).to_dict() == plan.to_dict()
    assert session.apply().ok
    assert list(hub.scheduled) == [job_id]
    labels = hub.scheduled[job_id].labels
    assert (labels[L.MANIFEST_NAME], labels[L.HUB_NAME]) == ("nightly-eval", "nightly-eval")
    assert not session.plan().plan.has_changes  # previous_names is inert once the rename is applied


def test_a_rename_with_a_schedule_change_is_one_in_place_update(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    write_project(session.root, {"a": renamed_to("nightly-eval", "nightly", scheduled("nightly", "0 5 * * *"))})
    (change,) = session.plan().plan.pending
    assert change.action == "update" and change.moved_from == "nightly"
    assert [op.kind for op in change.operations] == ["reschedule", "relabel_scheduled"]
    session.apply()
    (job,) = hub.scheduled.values()
    assert job.schedule == "0 5 * * *" and job.labels[L.MANIFEST_NAME] == "nightly-eval"
    assert not session.plan().plan.has_changes


def test_a_rename_with_a_spec_change_says_the_replacement_is_the_spec_s(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    body = renamed_to("nightly-eval", "nightly", scheduled("nightly")).replace("python:3.12", "python:3.13")
    write_project(session.root, {"a": body})
    (change,) = session.plan().plan.pending
    assert change.action == "replace" and change.moved_from == "nightly" and "image" in change.reason
    session.apply()
    assert not session.plan().plan.has_changes


def test_one_shot_runs_are_relabelled_and_their_revision_recognised(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"b": one_shot("smoke")})
    session.apply()
    (run_id,) = hub.runs
    write_project(session.root, {"b": renamed_to("smoke-test", "smoke", one_shot("smoke"))})
    (change,) = session.plan().plan.pending
    assert change.action == "update" and change.moved_from == "smoke"
    assert [(op.kind, op.target) for op in change.operations] == [("relabel_run", run_id)]
    session.apply()
    assert list(hub.runs) == [run_id]  # no new run: the revision is the same
    assert hub.runs[run_id].labels[L.MANIFEST_NAME] == "smoke-test"
    assert not session.plan().plan.has_changes


def test_targeting_a_previous_name_says_which_name_to_target(session: Session) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    write_project(session.root, {"a": renamed_to("nightly-eval", "nightly", scheduled("nightly"))})
    with pytest.raises(PlanError, match=r"--target nightly: renamed to 'nightly-eval' \(jobs/a.yaml:1\)"):
        session.plan(targets=("nightly",))
    (change,) = session.plan(targets=("nightly-eval",)).plan.pending
    assert change.moved_from == "nightly"


@pytest.mark.parametrize(("jobs", "message"), [
    ({"a": renamed_to("x", "x", scheduled("x"))},
     "jobs/a.yaml:3:18: error: previous_names[0]: 'x' is this job's own name"),
    ({"a": renamed_to("x", "y", scheduled("x")), "b": scheduled("y")},
     "jobs/a.yaml:3:18: error: previous_names[0]: 'y' is the name of the job declared at jobs/b.yaml:1"),
    ({"a": renamed_to("x", "old", scheduled("x")), "b": renamed_to("y", "old", scheduled("y"))},
     "jobs/b.yaml:3:18: error: previous_names[0]: 'old' is already a previous name of 'x' (jobs/a.yaml:1)"),
])
def test_ambiguous_previous_names_are_errors_at_file_line(session: Session, jobs: dict[str, str],
                                                          message: str) -> None:
    write_project(session.root, jobs)
    with pytest.raises(ManifestErrors) as caught:
        load_specs(session.settings().manifests, {})
    shown = [str(issue) for issue in caught.value.issues]
    assert any(line.startswith(message) for line in shown), shown


def test_validate_suggests_removing_previous_names(session: Session) -> None:
    write_project(session.root, {"a": renamed_to("x", "old", scheduled("x"))})
    result = validate(session.settings().manifests, {})
    assert result.ok
    (warning,) = result.warnings
    assert warning.field == "previous_names" and "remove it" in warning.message


def test_previous_names_are_outside_the_spec_hash(session: Session) -> None:
    write_project(session.root, {"a": scheduled("x")})
    (before,) = load_specs(session.settings().manifests, {})[1]
    write_project(session.root, {"a": renamed_to("x", "old", scheduled("x"))})
    (after,) = load_specs(session.settings().manifests, {})[1]
    assert after.previous_names == ("old",) and after.spec_hash == before.spec_hash


def test_a_saved_rename_plan_is_applied_and_a_kind_change_still_renames(session: Session, hub: FakeHub,
                                                                       tmp_path: Path) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    (run_id,) = hub.runs
    hub.finish_run(run_id)
    write_project(session.root, {"a": renamed_to("nightly", "smoke", scheduled("smoke"))})
    planned = session.plan()
    saved = tmp_path / "plan.json"
    saved.write_text(render_plan_json(planned.plan))
    check_same_plan(read_plan_file(saved), session.plan().plan)
    # A schedule cannot be made from a run: it is created; the old run is relabelled (its history kept).
    assert sorted((c.kind, c.action, c.moved_from) for c in planned.plan.pending) == [
        ("job", "update", "smoke"), ("scheduled_job", "create", None)]
    assert session.apply(planned).ok
    assert hub.runs[run_id].labels[L.MANIFEST_NAME] == "nightly"  # the old run, relabelled, stays history
    assert len(hub.scheduled) == 1 and not session.plan().plan.has_changes
