"""Existing jobs on the Hub: look-alikes are never silent, and `import` adopts them in place (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.errors import PlanError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.output.plan_markdown import render_plan_markdown
from hfjobs_spec.output.plan_text import render_plan
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.translate import to_request

from .helpers import Session, one_shot, scheduled, write_project


def spec_of(session: Session, name: str) -> JobSpec:
    _, specs = load_specs(session.settings().manifests, session.environ)
    (spec,) = [s for s in specs if s.name == name]
    return spec


def by_hand(hub: FakeHub, spec: JobSpec, labels: dict[str, str], namespace: str = "alice") -> str:
    """What `hf jobs [scheduled] run --label ...` would make from this manifest: the same job, unmanaged."""
    request = to_request(spec, labels, {})
    if spec.schedule is not None:
        return hub.create_scheduled_job(namespace, request, schedule=spec.schedule, suspend=spec.suspend,
                                        concurrency=spec.concurrency).id
    return hub.run_job(namespace, request).id


def test_scheduled_lookalike_is_flagged_with_its_id_in_every_format(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("weekly-report")})
    existing = by_hand(hub, spec_of(session, "weekly-report"), {"name": "weekly-report"})
    plan = session.plan().plan
    (change,) = plan.pending
    assert change.action == "create"
    (conflict,) = plan.conflicts
    assert (conflict.name, conflict.kind, conflict.namespace, conflict.live_ids) == (
        "weekly-report", "scheduled_job", "alice", (existing,))
    assert conflict.suggestion == f'import: {{id: "{existing}"}}'
    text = render_plan(plan)
    assert f"! look-alike: unmanaged scheduled job {existing} in alice" in text and "import: {id:" in text
    data = json.loads(render_plan_json(plan))
    assert data["conflicts"] == [{"name": "weekly-report", "kind": "scheduled_job", "namespace": "alice",
                                  "live_ids": [existing], "suggestion": f'import: {{id: "{existing}"}}'}]
    assert Plan.from_dict(data).to_dict() == data
    markdown = render_plan_markdown(plan)
    assert "Look-alikes" in markdown and existing in markdown


def test_one_shot_lookalike_runs_are_flagged_oldest_first(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"b": one_shot("smoke")})
    first = by_hand(hub, spec_of(session, "smoke"), {"name": "smoke"})
    second = by_hand(hub, spec_of(session, "smoke"), {"name": "smoke", "team": "ml"})
    (conflict,) = session.plan().plan.conflicts
    assert conflict.kind == "job" and conflict.live_ids == (first, second)
    assert conflict.suggestion == f'import: {{id: "{second}"}}'


def test_no_lookalike_for_other_names_namespaces_or_managed_jobs(tmp_path: Path, session: Session,
                                                                  hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("weekly-report"), "b": one_shot("smoke")})
    spec = spec_of(session, "weekly-report")
    by_hand(hub, spec, {"name": "other-name"})
    by_hand(hub, spec, {"name": "weekly-report"}, namespace="acme")  # another namespace
    # A job of another project with the same Hub name is managed by someone else: not a look-alike.
    other = Session(tmp_path / "other", session.backend)
    write_project(other.root, {"a": scheduled("weekly-report"), "b": one_shot("smoke")}, project="someone-else")
    assert other.apply().ok
    plan = session.plan().plan
    assert plan.conflicts == ()
    assert "look-alike" not in render_plan(plan)


def test_lookalike_of_an_applied_job_is_not_reported_again(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("weekly-report")})
    by_hand(hub, spec_of(session, "weekly-report"), {"name": "weekly-report"})
    assert session.apply().ok  # the user went ahead anyway: now there are two, one managed
    plan = session.plan().plan
    assert not plan.has_changes and plan.conflicts == ()  # drift reports the unmanaged copy from now on


def test_one_shot_lookups_are_bounded_by_the_manifests_being_created(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {f"j{i}": one_shot(f"job-{i}") for i in range(3)})
    session.plan()
    assert hub.calls["list_jobs"] == 1 + 3  # the project's runs, then one lookup per new one-shot manifest
    assert session.apply().ok
    hub.calls.clear()
    session.plan()
    assert hub.calls["list_jobs"] == 1 and hub.calls["list_scheduled_jobs"] == 1


def test_ownership_labels_of_a_lookalike_never_change(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("weekly-report")})
    existing = by_hand(hub, spec_of(session, "weekly-report"), {"name": "weekly-report"})
    assert session.apply().ok
    assert hub.scheduled[existing].labels == {L.HUB_NAME: "weekly-report"}


# Import (issue 10, point 2)


def imported(manifest: str, how: str) -> str:
    return manifest + f"import: {how}\n"


def assert_adopted(session: Session, hub: FakeHub, job_id: str, name: str) -> None:
    labels = (hub.scheduled.get(job_id) or hub.runs[job_id]).labels
    assert labels[L.MANAGED_BY] == "hfjobs-spec" and labels[L.PROJECT] == "demo" and labels[L.MANIFEST_NAME] == name
    again = session.plan().plan
    assert not again.has_changes and again.conflicts == ()


@pytest.mark.parametrize("how", ["id", "name"])
def test_import_a_scheduled_job_keeps_its_id(session: Session, hub: FakeHub, how: str) -> None:
    write_project(session.root, {"a": scheduled("weekly-report")})
    existing = by_hand(hub, spec_of(session, "weekly-report"), {"name": "weekly-report"})
    ref = f"{{id: '{existing}'}}" if how == "id" else "{name: weekly-report}"
    write_project(session.root, {"a": imported(scheduled("weekly-report"), ref)})
    plan = session.plan().plan
    (change,) = plan.pending
    assert (change.action, change.live_ids, change.fields) == ("import", (existing,), ())
    assert [op.kind for op in change.operations] == ["import_scheduled"]
    assert plan.summary["import"] == 1 and plan.conflicts == ()
    text = render_plan(plan)
    assert " <= scheduled_job \"weekly-report\"" in text and "will be imported" in text
    assert "Plan: 1 to import, 0 to create" in text
    assert Plan.from_dict(json.loads(render_plan_json(plan))) == plan
    assert session.apply().ok
    assert list(hub.scheduled) == [existing]
    assert_adopted(session, hub, existing, "weekly-report")


@pytest.mark.parametrize("how", ["id", "name"])
def test_import_a_run_keeps_its_id_and_starts_none(session: Session, hub: FakeHub, how: str) -> None:
    write_project(session.root, {"b": one_shot("smoke")})
    existing = by_hand(hub, spec_of(session, "smoke"), {"name": "smoke"})
    hub.finish_run(existing)
    ref = f"{{id: '{existing}'}}" if how == "id" else "{name: smoke}"
    write_project(session.root, {"b": imported(one_shot("smoke"), ref)})
    (change,) = session.plan().plan.pending
    assert (change.kind, change.action) == ("job", "import")
    assert [op.kind for op in change.operations] == ["import_run"]
    assert session.apply().ok
    assert list(hub.runs) == [existing]
    assert_adopted(session, hub, existing, "smoke")


def test_import_then_update_in_place_field_by_field(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("weekly-report")})
    existing = by_hand(hub, spec_of(session, "weekly-report"), {"name": "weekly-report", "team": "ml"})
    write_project(session.root, {"a": imported(scheduled("weekly-report", schedule="0 6 * * 1"),
                                               "{name: weekly-report}")})
    (change,) = session.plan().plan.pending
    assert change.action == "import" and "then update in place: labels, schedule changed" in change.reason
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("schedule", "0 3 * * *", "0 6 * * 1"), ("labels.team", "ml", None)]
    assert [op.kind for op in change.operations] == ["import_scheduled", "reschedule"]
    assert session.apply().ok
    assert list(hub.scheduled) == [existing] and hub.scheduled[existing].schedule == "0 6 * * 1"
    assert "team" not in hub.scheduled[existing].labels
    assert_adopted(session, hub, existing, "weekly-report")


def test_import_then_replace_when_the_hub_cannot_edit_the_field(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("weekly-report")})
    existing = by_hand(hub, spec_of(session, "weekly-report"), {"name": "weekly-report"})
    write_project(session.root, {"a": imported(scheduled("weekly-report", env="{MODE: full}"),
                                               f"{{id: '{existing}'}}")})
    (change,) = session.plan().plan.pending
    assert change.action == "import" and "then replace it: env changed: forces replacement" in change.reason
    assert [(f.field, f.forces_replacement) for f in change.fields] == [("env", True)]
    assert [op.kind for op in change.operations] == ["import_scheduled", "create_scheduled", "delete_scheduled"]
    assert "Deleted or replaced on apply" in render_plan_markdown(session.plan().plan)
    assert session.apply().ok
    (new,) = hub.scheduled
    assert new != existing and hub.scheduled[new].spec.env == {"MODE": "full"}
    assert_adopted(session, hub, new, "weekly-report")


def test_import_of_a_run_with_another_command_starts_a_new_revision(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"b": one_shot("smoke")})
    existing = by_hand(hub, spec_of(session, "smoke"), {"name": "smoke"})
    write_project(session.root, {"b": imported(one_shot("smoke", env="{MODE: full}"), "{name: smoke}")})
    (change,) = session.plan().plan.pending
    assert change.action == "import" and "start a new run; cancel it" in change.reason
    assert [op.kind for op in change.operations] == ["import_run", "cancel", "run", "relabel_run"]
    assert session.apply().ok
    assert len(hub.runs) == 2 and hub.runs[existing].labels[L.RETIRED_FROM] == "demo"
    assert not session.plan().plan.has_changes


def _plan_error(session: Session) -> str:
    with pytest.raises(PlanError) as caught:
        session.plan()
    return str(caught.value)


def test_import_errors_name_the_manifest_file_and_line(tmp_path: Path, session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("weekly-report"), "b": one_shot("smoke")})
    job_id = by_hand(hub, spec_of(session, "weekly-report"), {"name": "weekly-report"})
    run_id = by_hand(hub, spec_of(session, "smoke"), {"name": "smoke"})
    cases = {
        "{id: nope123}": "jobs/a.yaml:1: import: no job or scheduled job nope123 in namespace alice",
        f"{{id: '{run_id}'}}": f"jobs/a.yaml:1: import: {run_id} is a job run, but this manifest declares a "
                             "scheduled job",
        "{name: nobody}": "jobs/a.yaml:1: import: no unmanaged scheduled job named 'nobody' in namespace alice",
    }
    for ref, message in cases.items():
        write_project(session.root, {"a": imported(scheduled("weekly-report"), ref)})
        assert message in _plan_error(session)
    write_project(session.root, {"b": imported(one_shot("smoke"), f"{{id: '{job_id}'}}")})
    assert f"jobs/b.yaml:1: import: {job_id} is a scheduled job, but this manifest declares a job run" \
        in _plan_error(session)
    by_hand(hub, spec_of(session, "smoke"), {"name": "smoke"})
    write_project(session.root, {"b": imported(one_shot("smoke"), "{name: smoke}")})
    assert "2 unmanaged job runs are named 'smoke' in alice" in _plan_error(session)


def test_managed_jobs_are_never_imported(tmp_path: Path, session: Session, hub: FakeHub) -> None:
    other = Session(tmp_path / "other", session.backend)
    write_project(other.root, {"a": scheduled("weekly-report")}, project="someone-else")
    assert other.apply().ok
    (foreign,) = hub.scheduled
    before = dict(hub.scheduled[foreign].labels)
    write_project(session.root, {"a": scheduled("mine")})
    assert session.apply().ok
    (mine,) = set(hub.scheduled) - {foreign}
    write_project(session.root, {"a": scheduled("mine"), "c": imported(scheduled("theirs"), f"{{id: '{foreign}'}}")})
    assert (f"jobs/c.yaml:1: import: {foreign} is managed by project 'someone-else' environment 'default'"
            in _plan_error(session))
    write_project(session.root, {"a": scheduled("mine"), "c": imported(scheduled("again"), f"{{id: '{mine}'}}")})
    assert f"import: {mine} is already managed by this project (as 'mine')" in _plan_error(session)
    write_project(session.root, {"a": imported(scheduled("mine"), "{name: weekly-report}")})
    assert not session.plan().plan.has_changes  # `mine` is managed already: its import is inert
    assert dict(hub.scheduled[foreign].labels) == before
