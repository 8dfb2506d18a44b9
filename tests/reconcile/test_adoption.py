"""Existing jobs on the Hub: look-alikes of a create are never silent (issue 10, point 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.output.plan_markdown import render_plan_markdown
from hfjobs_spec.output.plan_text import render_plan
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.translate import to_request

from .helpers import Session, one_shot, scheduled, write_project

FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub(user="alice", orgs=("acme",))


@pytest.fixture
def session(tmp_path: Path, hub: FakeHub) -> Session:
    return Session(tmp_path / "project", RetryingBackend(hub, FAST, sleep=lambda s: None))


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
    assert f"import: {{id: {existing}}}" in conflict.suggestion
    text = render_plan(plan)
    assert f"! look-alike: unmanaged scheduled job {existing} in alice" in text and "import: {id:" in text
    data = json.loads(render_plan_json(plan))
    assert data["conflicts"] == [{"name": "weekly-report", "kind": "scheduled_job", "namespace": "alice",
                                  "live_ids": [existing], "suggestion": f"import: {{id: {existing}}}"}]
    assert Plan.from_dict(data).to_dict() == data
    markdown = render_plan_markdown(plan)
    assert "Look-alikes" in markdown and existing in markdown


def test_one_shot_lookalike_runs_are_flagged_oldest_first(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"b": one_shot("smoke")})
    first = by_hand(hub, spec_of(session, "smoke"), {"name": "smoke"})
    second = by_hand(hub, spec_of(session, "smoke"), {"name": "smoke", "team": "ml"})
    (conflict,) = session.plan().plan.conflicts
    assert conflict.kind == "job" and conflict.live_ids == (first, second)
    assert conflict.suggestion == f"import: {{id: {second}}}"


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
