"""Plan and apply stories against the in-memory fake Hub: every promise of DESIGN.md, one test each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.errors import HubRateLimitError, HubTransportError, PlanError, SecretResolutionError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import LiveSpec
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.output.plan_text import render_plan
from hfjobs_spec.reconcile.plan import Plan

from .conftest import FAST
from .helpers import Session, one_shot, scheduled, write_project


def test_first_apply_creates_everything_then_plan_is_empty(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly"), "b": one_shot("smoke")})
    first = session.plan().plan
    assert {(c.name, c.action) for c in first.changes} == {("nightly", "create"), ("smoke", "create")}
    assert session.apply().ok
    assert len(hub.scheduled) == 1 and len(hub.runs) == 1
    again = session.plan().plan
    assert not again.has_changes
    assert [c.action for c in again.changes] == ["noop", "noop"]


def test_created_objects_carry_ownership_labels(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly", labels="{team: ml}")})
    session.apply()
    (job,) = hub.scheduled.values()
    assert job.labels[L.MANAGED_BY] == "hfjobs-spec"
    assert job.labels[L.PROJECT] == "demo"
    assert job.labels[L.MANIFEST_NAME] == "nightly"
    assert job.labels[L.HUB_NAME] == "nightly"
    assert job.labels[L.ENVIRONMENT] == "default"
    assert len(job.labels[L.SPEC_HASH]) == 16
    assert job.labels["team"] == "ml"


def test_schedule_change_updates_in_place(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    (before,) = hub.scheduled
    write_project(session.root, {"a": scheduled("nightly", schedule="30 4 * * *")})
    change = session.plan().plan.pending[0]
    assert (change.action, change.reason) == ("update", "schedule changed")
    assert [(f.field, f.old, f.new) for f in change.fields] == [("schedule", "0 3 * * *", "30 4 * * *")]
    assert session.apply().ok
    assert list(hub.scheduled) == [before] and hub.scheduled[before].schedule == "30 4 * * *"
    assert not session.plan().plan.has_changes


def test_suspend_and_labels_update_in_place(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    write_project(session.root, {"a": scheduled("nightly", suspend="true", labels="{tier: gold}")})
    change = session.plan().plan.pending[0]
    assert change.action == "update"
    assert {f.field for f in change.fields} == {"suspend", "labels.tier"}
    assert [op.kind for op in change.operations] == ["suspend", "relabel_scheduled"]
    session.apply()
    (job,) = hub.scheduled.values()
    assert job.suspend and job.labels["tier"] == "gold" and job.labels[L.MANIFEST_NAME] == "nightly"
    assert not session.plan().plan.has_changes


def test_flavor_change_replaces_creating_before_deleting(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    (old_id,) = hub.scheduled
    write_project(session.root, {"a": scheduled("nightly", flavor="a10g-small")})
    change = session.plan().plan.pending[0]
    assert change.action == "replace"
    assert change.reason == "flavor changed: forces replacement"
    assert [(f.field, f.old, f.new, f.forces_replacement) for f in change.fields] == [
        ("flavor", "cpu-basic", "a10g-small", True)
    ]
    assert [op.kind for op in change.operations] == ["create_scheduled", "delete_scheduled"]
    report = session.apply()
    assert report.ok and report.succeeded[0].created
    (new_id,) = hub.scheduled
    assert new_id != old_id and hub.scheduled[new_id].spec.flavor == "a10g-small"
    assert not session.plan().plan.has_changes


def test_failed_delete_after_create_leaves_no_gap_and_rerun_converges(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    write_project(session.root, {"a": scheduled("nightly", timeout="2h")})
    hub.fail_next("delete_scheduled_job", HubTransportError("boom", status=503), times=FAST.attempts)
    report = session.apply()
    assert not report.ok and "boom" in (report.failed[0].error or "")
    assert len(hub.scheduled) == 2  # the new one exists: the schedule never went missing
    plan = session.plan().plan
    assert [(c.action, c.reason.split(":")[0]) for c in plan.pending] == [("delete", "duplicate")]
    assert session.apply().ok
    (job,) = hub.scheduled.values()
    assert job.spec.timeout == 7200
    assert not session.plan().plan.has_changes


def test_script_edit_replaces(session: Session, hub: FakeHub) -> None:
    root = session.root
    write_project(root, {"a": "name: ev\nschedule: '@daily'\nscript: scripts/ev.py\n"})
    (root / "scripts").mkdir()
    (root / "scripts" / "ev.py").write_text("print('v1')\n")
    session.apply()
    (root / "scripts" / "ev.py").write_text("print('v2')\n")
    change = session.plan().plan.pending[0]
    assert change.action == "replace" and change.reason == "script changed: forces replacement"
    (field,) = change.fields
    assert field.old.startswith("ev.py (sha256 ") and field.new.startswith("ev.py (sha256 ")
    session.apply()
    assert not session.plan().plan.has_changes


def test_removed_manifest_is_deleted_unless_pruning_is_off(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("keep"), "b": scheduled("gone")})
    session.apply()
    write_project(session.root, {"a": scheduled("keep")})
    assert session.actions(prune=False) == {"keep": "noop", "gone": "noop"}
    change = session.plan().plan.pending[0]
    assert (change.name, change.action, change.reason) == ("gone", "delete", "not declared any more")
    session.apply()
    assert [j.labels[L.MANIFEST_NAME] for j in hub.scheduled.values()] == ["keep"]


def test_deleting_everything_needs_allow_empty(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("one"), "b": scheduled("two")})
    session.apply()
    write_project(session.root, {})
    with pytest.raises(PlanError, match="--allow-empty"):
        session.plan()
    assert len(hub.scheduled) == 2
    assert session.actions(allow_empty=True) == {"one": "delete", "two": "delete"}


def test_hand_made_drift_is_reverted(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly", labels="{team: ml}")})
    session.apply()
    (job_id,) = hub.scheduled
    hub.reschedule("alice", job_id, "1 1 * * *")
    hub.suspend_scheduled_job("alice", job_id)
    labels = dict(hub.scheduled[job_id].labels, team="hacked")
    hub.set_scheduled_job_labels("alice", job_id, labels)
    change = session.plan().plan.pending[0]
    assert change.action == "update" and change.reason == "changed on the Hub since the last apply"
    assert {(f.field, f.old, f.new) for f in change.fields} == {
        ("schedule", "1 1 * * *", "0 3 * * *"), ("suspend", True, False), ("labels.team", "hacked", "ml")}
    session.apply()
    job = hub.scheduled[job_id]
    assert (job.schedule, job.suspend, job.labels["team"]) == ("0 3 * * *", False, "ml")
    assert not session.plan().plan.has_changes


def test_foreign_and_other_project_jobs_are_never_touched(session: Session, hub: FakeHub) -> None:
    spec = LiveSpec(image="x", command=("y",), env={}, secret_names=(), flavor="cpu-basic",
                    labels={L.HUB_NAME: "nightly"})
    foreign = hub.seed_scheduled("alice", spec, "0 3 * * *")
    other = hub.seed_scheduled("alice", LiveSpec(**{**spec.__dict__, "labels": {
        L.MANAGED_BY: "hfjobs-spec", L.PROJECT: "other", L.ENVIRONMENT: "default", L.MANIFEST_NAME: "nightly",
        L.SPEC_HASH: "0" * 16}}), "0 3 * * *")
    staging = hub.seed_scheduled("alice", LiveSpec(**{**spec.__dict__, "labels": {
        L.MANAGED_BY: "hfjobs-spec", L.PROJECT: "demo", L.ENVIRONMENT: "staging", L.MANIFEST_NAME: "gone",
        L.SPEC_HASH: "0" * 16}}), "0 3 * * *")
    write_project(session.root, {"a": scheduled("nightly")})
    assert session.actions() == {"nightly": "create"}
    session.apply()
    assert {foreign.id, other.id, staging.id} <= set(hub.scheduled)
    assert hub.scheduled[foreign.id] == foreign and hub.scheduled[other.id] == other


def test_protect_blocks_replace_and_delete(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("precious", protect="true")})
    session.apply()
    (job,) = hub.scheduled.values()
    assert job.labels[L.PROTECT] == "true"
    write_project(session.root, {"a": scheduled("precious", protect="true", flavor="t4-small")})
    change = session.plan().plan.pending[0]
    assert change.action == "replace" and change.blocked and "protect" in change.blocked
    from hfjobs_spec.errors import ProtectedJobError

    with pytest.raises(ProtectedJobError):
        session.apply()
    write_project(session.root, {"a": scheduled("other")})
    plan = session.plan().plan
    deleting = next(c for c in plan.pending if c.name == "precious")
    assert deleting.action == "delete" and deleting.blocked
    assert job.id in hub.scheduled


def test_one_shot_runs_once_per_revision(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    (first,) = hub.runs
    assert session.actions() == {"smoke": "noop"}
    hub.finish_run(first)
    assert session.actions() == {"smoke": "noop"}  # any stage counts
    write_project(session.root, {"a": one_shot("smoke", flavor="cpu-upgrade")})
    change = session.plan().plan.pending[0]
    assert change.action == "create" and change.reason.startswith("flavor changed: since run")
    session.apply()
    assert len(hub.runs) == 2
    assert not session.plan().plan.has_changes


def test_one_shot_change_cancels_the_active_older_run(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    (first,) = hub.runs
    write_project(session.root, {"a": one_shot("smoke", env="{X: '1'}")})
    change = session.plan().plan.pending[0]
    assert change.action == "replace"
    assert [(op.kind, op.target) for op in change.operations] == [("cancel", first), ("run", None),
                                                                   ("relabel_run", first)]
    session.apply()
    assert hub.runs[first].stage == "CANCELED" and len(hub.runs) == 2
    # The earlier revision's run left the project's listing, and stays on the Hub.
    assert L.PROJECT not in hub.runs[first].labels and hub.runs[first].labels[L.RETIRED_FROM] == "demo"
    assert [run.id for run in session.backend.list_jobs("alice", {L.PROJECT: "demo"})] != [first]


def test_removed_one_shot_cancels_only_active_runs(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("done"), "b": one_shot("busy"), "c": scheduled("keep")})
    session.apply()
    done_id = next(i for i, r in hub.runs.items() if r.labels[L.MANIFEST_NAME] == "done")
    hub.finish_run(done_id)
    write_project(session.root, {"c": scheduled("keep")})
    assert session.actions() == {"busy": "delete", "keep": "noop"}
    session.apply()
    assert all(not run.active for run in hub.runs.values())


def test_replace_flag_forces_a_new_run_or_object(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke"), "b": scheduled("nightly")})
    session.apply()
    (old_sched,) = hub.scheduled
    actions = session.actions(replace=("smoke", "nightly"))
    assert actions == {"smoke": "replace", "nightly": "replace"}
    session.apply(replace=("smoke", "nightly"))
    assert len(hub.runs) == 2 and old_sched not in hub.scheduled
    assert not session.plan().plan.has_changes


def test_target_limits_the_plan(session: Session) -> None:
    write_project(session.root, {"a": scheduled("one"), "b": scheduled("two")})
    assert session.actions(targets=("two",)) == {"two": "create"}
    with pytest.raises(PlanError, match="no such job"):
        session.plan(targets=("three",))
    with pytest.raises(PlanError, match="--target tow: no such job in the manifests or on the Hub; did you mean 'two'"):
        session.plan(targets=("tow",))
    with pytest.raises(PlanError, match=r"--replace onee: .*did you mean 'one'"):
        session.plan(replace=("onee",))
    session.apply()
    targeted = session.plan(targets=("two",)).plan
    assert targeted.left_out == ("one",)
    assert "the targeted jobs match the manifests.\nOnly the --target jobs were planned; 1 other job left out: one." \
        in render_plan(targeted)


def test_environments_own_separate_jobs(session: Session, hub: FakeHub) -> None:
    extra = "environments:\n  staging: {}\n  prod: {}\n"
    write_project(session.root, {"a": scheduled("nightly")}, extra=extra)
    session.environment = "staging"
    session.apply()
    session.environment = "prod"
    assert session.actions() == {"nightly": "create"}
    session.apply()
    assert sorted(j.labels[L.ENVIRONMENT] for j in hub.scheduled.values()) == ["prod", "staging"]
    write_project(session.root, {}, extra=extra)
    with pytest.raises(PlanError):
        session.plan()  # prod would lose everything...
    assert session.actions(allow_empty=True) == {"nightly": "delete"}  # ...and only prod's


def test_namespace_change_replaces_across_namespaces(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    write_project(session.root, {"a": scheduled("nightly", namespace="acme")}, extra="")
    change = session.plan().plan.pending[0]
    assert change.action == "replace" and "namespace changed (alice -> acme)" in change.reason
    session.apply()
    assert [j.namespace for j in hub.scheduled.values()] == ["acme"]


def test_missing_secret_fails_before_any_change(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("x", secrets="{API: $MISSING_VAR}"), "b": scheduled("y")})
    planned = session.plan()  # plan needs no value, it only says what apply will read
    assert planned.plan.unset == ("$MISSING_VAR",)
    with pytest.raises(SecretResolutionError, match=r"x \(jobs/a.yaml:1\): secret API reads \$MISSING_VAR"):
        session.apply(planned)
    assert not hub.scheduled


def test_secret_values_reach_the_hub_but_never_the_plan(session: Session, hub: FakeHub) -> None:
    secret = "s3cr3t-value-that-must-not-leak"
    session.environ = {"API_KEY": secret}
    write_project(session.root, {"a": scheduled("x", secrets="{API: $API_KEY, HF_TOKEN: $HF_TOKEN}")})
    planned = session.plan()
    text = render_plan(planned.plan) + render_plan_json(planned.plan) + repr(planned)
    assert secret not in text and "fake-token" not in text
    session.apply(planned)
    (job_id,) = hub.scheduled
    assert hub.secret_values[job_id] == {"API": secret, "HF_TOKEN": "fake-token"}
    assert hub.scheduled[job_id].spec.secret_names == ("API", "HF_TOKEN")


def test_ambiguous_create_is_not_duplicated(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly"), "b": one_shot("smoke")})
    hub.fail_next("create_scheduled_job", HubTransportError("502", status=502, ambiguous=True), commit=True)
    hub.fail_next("run_job", HubTransportError("timeout", ambiguous=True), commit=True, times=2)
    assert session.apply().ok
    assert len(hub.scheduled) == 1 and len(hub.runs) == 1
    assert not session.plan().plan.has_changes


def test_rate_limits_are_retried_after_the_requested_wait(tmp_path: Path, hub: FakeHub) -> None:
    waits: list[float] = []
    backend = RetryingBackend(hub, RetryPolicy(attempts=3), sleep=waits.append)
    session = Session(tmp_path / "p", backend)
    write_project(session.root, {"a": scheduled("nightly")})
    hub.fail_next("list_scheduled_jobs", HubRateLimitError("429", status=429, retry_after=7.0))
    assert session.apply().ok
    assert waits == [7.0]


def test_giving_up_reports_failure_and_others_still_apply(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("one"), "b": scheduled("two")})
    hub.fail_next("create_scheduled_job", HubTransportError("refused"), times=FAST.attempts)
    report = session.apply(parallelism=1)
    assert len(report.failed) == 1 and len(report.succeeded) == 1
    assert session.apply().ok
    assert len(hub.scheduled) == 2


def test_plan_json_is_deterministic_and_round_trips(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly"), "b": one_shot("smoke", env="{B: '2', A: '1'}")})
    first, second = render_plan_json(session.plan().plan), render_plan_json(session.plan().plan)
    assert first == second
    data = json.loads(first)
    assert data["format_version"] == 2 and data["summary"]["create"] == 2
    assert Plan.from_dict(data) == session.plan().plan


def test_cancelling_a_run_that_finished_meanwhile_is_not_a_failure(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": one_shot("smoke")})
    session.apply()
    write_project(session.root, {"a": one_shot("smoke", flavor="t4-small")})
    planned = session.plan()
    assert planned.plan.pending[0].action == "replace"
    from hfjobs_spec.errors import HubConflictError

    (first,) = hub.runs
    hub.finish_run(first)  # it finished after the plan was made; the Hub answers 409 to a cancel
    hub.fail_next("cancel_job", HubConflictError("409: job is not running", status=409))
    report = session.apply(planned)
    assert report.ok
    assert not session.plan().plan.has_changes


def test_schedules_differing_only_in_blanks_are_the_same_schedule(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly", schedule="0  3 *   * *")})
    session.apply()
    (job,) = hub.scheduled.values()
    assert job.schedule == "0 3 * * *"
    write_project(session.root, {"a": scheduled("nightly", schedule="0 3 * * *")})
    assert not session.plan().plan.has_changes


def test_whoami_only_when_nothing_names_the_namespace(tmp_path: Path) -> None:
    named, unnamed = FakeHub(user="alice"), FakeHub(user="alice")
    for hub, namespace in ((named, "alice"), (unnamed, None)):
        session = Session(tmp_path / str(namespace), RetryingBackend(hub, FAST, sleep=lambda s: None))
        write_project(session.root, {"a": scheduled("nightly"), "b": one_shot("smoke")}, namespace=namespace)
        session.apply()
        assert session.plan().plan.namespaces == ("alice",)
    assert "whoami" not in named.calls
    assert unnamed.calls["whoami"] == 2  # once per run: one apply, one plan
    # One scheduled list and one runs list per plan, plus one runs lookup by Hub name for the one-shot
    # job the first apply creates (its look-alikes); the second plan finds the run and looks up nothing.
    assert named.calls["list_scheduled_jobs"] == 2 and named.calls["list_jobs"] == 3
