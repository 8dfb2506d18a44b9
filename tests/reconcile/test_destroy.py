"""`destroy` and other tools' jobs (issue 10, points 5 and 6), on the in-memory Hub."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.errors import ManifestErrors, PlanError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import LiveSpec
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.reconcile.destroy import DestroyPlan, plan_destroy
from hfjobs_spec.reconcile.drift import find_drift
from hfjobs_spec.reconcile.execute import Executor
from hfjobs_spec.reconcile.live import DiffOptions
from hfjobs_spec.reconcile.plan_file import check_same_plan, read_plan_file
from hfjobs_spec.reconcile.translate import to_request

from .helpers import Session, one_shot, scheduled, write_project


def destroy_plan(session: Session, *targets: str, environment: str | None = None) -> DestroyPlan:
    live = reconcile.read_live(session.backend, ["alice"], "demo", (), environment or L.DEFAULT_ENVIRONMENT)
    return plan_destroy(live, DiffOptions(project="demo", environment=environment, targets=frozenset(targets)))


def destroy(session: Session, *targets: str) -> None:
    planned = destroy_plan(session, *targets)
    reconcile.check_not_blocked(planned.plan)
    report = Executor(session.backend, {}, project="demo", environment="default", environ={}).run(
        planned.plan.pending)
    assert report.ok


def test_destroy_deletes_schedules_cancels_active_runs_and_keeps_history(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly"), "b": one_shot("smoke"), "c": one_shot("done")})
    session.apply()
    (finished,) = [i for i, run in hub.runs.items() if run.labels[L.MANIFEST_NAME] == "done"]
    hub.finish_run(finished)
    planned = destroy_plan(session)
    assert sorted((c.name, c.action, [op.kind for op in c.operations]) for c in planned.plan.pending) == [
        ("done", "update", ["relabel_run"]), ("nightly", "delete", ["delete_scheduled"]),
        ("smoke", "delete", ["cancel", "relabel_run"])]
    assert planned.finished_runs == 1
    destroy(session)
    assert hub.scheduled == {}
    assert all(not run.active for run in hub.runs.values()) and finished in hub.runs  # history stays
    assert all(L.PROJECT not in run.labels for run in hub.runs.values())  # ... out of the project's listing
    assert not destroy_plan(session).plan.has_changes
    assert session.actions() == {"nightly": "create", "smoke": "create", "done": "create"}  # a fresh start


def test_destroy_honours_the_hub_s_protect_label_and_targets(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly", protect="true"), "b": scheduled("daily")})
    session.apply()
    write_project(session.root, {})  # the manifests are gone: protect still comes from the Hub's label
    with pytest.raises(Exception, match="nightly was applied with protect: true"):
        reconcile.check_not_blocked(destroy_plan(session).plan)
    with pytest.raises(PlanError, match=r"--target daly: no managed job .*; did you mean 'daily'\?"):
        destroy_plan(session, "daly")
    destroy(session, "daily")
    assert [job.labels[L.MANIFEST_NAME] for job in hub.scheduled.values()] == ["nightly"]


def test_destroy_never_touches_other_environments_projects_or_tools(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")}, extra="environments: {staging: {}}\n")
    session.apply()
    dataclasses.replace(session, environment="staging").apply()
    (mine,) = [job for job in hub.scheduled.values() if job.labels[L.ENVIRONMENT] == "default"]
    # A job of another tool that someone also stamped with this project's labels: still the other tool's.
    foreign = hub.seed_scheduled("alice", dataclasses.replace(mine.spec, labels={**mine.labels, "hf-sandbox": "1"}),
                                 "0 4 * * *")
    planned = destroy_plan(session)
    assert [c.live_ids for c in planned.plan.pending] == [(mine.id,)]
    destroy(session)
    assert set(hub.scheduled) == {foreign.id, *(i for i, j in hub.scheduled.items()
                                                if j.labels.get(L.ENVIRONMENT) == "staging")}
    assert len(hub.scheduled) == 2


def test_foreign_jobs_are_never_pruned_and_show_as_foreign_lookalikes(session: Session, hub: FakeHub,
                                                                      tmp_path: Path) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    (mine,) = hub.scheduled.values()
    hub.set_scheduled_job_labels("alice", mine.id, {**mine.labels, "hf-sandbox-pool": "p"})
    plan = session.plan().plan
    assert [(c.action, c.live_ids) for c in plan.pending] == [("create", ())]  # never deleted nor changed
    (conflict,) = plan.conflicts
    assert (conflict.foreign, conflict.suggestion) == ("hf-sandbox-pool", None)
    assert "of another tool (label 'hf-sandbox-pool')" in conflict.message
    saved = tmp_path / "plan.json"  # a saved plan holds the foreign look-alike, and is applied as usual
    saved.write_text(render_plan_json(plan))
    check_same_plan(read_plan_file(saved), session.plan().plan)


def test_manifest_labels_of_another_tool_and_unsafe_prefixes_are_errors(session: Session) -> None:
    write_project(session.root, {"a": scheduled("nightly", labels="{svc-team: web}")},
                  extra="foreign_label_prefixes: [svc-]\n")
    with pytest.raises(ManifestErrors) as caught:
        load_specs(session.settings().manifests, {})
    shown = "\n".join(map(str, caught.value.issues))
    assert "jobs/a.yaml:6:10: error: labels.svc-team: label key 'svc-team' starts with 'svc-'" in shown
    write_project(session.root, {"a": scheduled("nightly")}, extra="foreign_label_prefixes: [ok-, hfjobs]\n")
    with pytest.raises(ManifestErrors) as caught:
        load_specs(session.settings().manifests, {})
    assert "hfjobs.yaml:4:31: error: foreign_label_prefixes[1]: 'hfjobs' would match the 'hfjobs-*' labels" \
        in "\n".join(map(str, caught.value.issues))


def test_drift_does_not_call_another_tool_s_job_a_copy_made_by_hand(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    session.apply()
    (mine,) = hub.scheduled.values()
    hub.seed_scheduled("alice", dataclasses.replace(mine.spec, labels={"name": "nightly", "hf-sandbox": "1"}),
                       "0 4 * * *")
    hub.seed_scheduled("alice", dataclasses.replace(mine.spec, labels={"name": "nightly"}), "0 4 * * *")
    planned = session.plan()
    report = find_drift(planned.specs, planned.live, planned.plan, reconcile.diff_options(session.settings(),
                                                                                         planned.project),
                        planned.live.all_scheduled)
    assert [item.kind for item in report.items] == ["unmanaged"]  # the copy made by hand only


def test_import_by_id_refuses_another_tool_s_job(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly")})
    (spec,) = load_specs(session.settings().manifests, {})[1]
    theirs = hub.seed_scheduled("alice", to_request_spec(spec, {"name": "nightly", "hf-sandbox-pool": "p"}),
                                "0 3 * * *")
    write_project(session.root, {"a": scheduled("nightly", **{"import": f"{{id: '{theirs.id}'}}"})})
    with pytest.raises(PlanError, match=rf"jobs/a.yaml:1: import: {theirs.id} belongs to another tool "
                                        r"\(label 'hf-sandbox-pool'\)"):
        session.plan()
    assert hub.scheduled[theirs.id] == theirs


def to_request_spec(spec: JobSpec, labels: dict[str, str]) -> LiveSpec:
    """The live spec another tool would have made from the same job."""
    return LiveSpec.from_request(to_request(spec, labels, {}))
