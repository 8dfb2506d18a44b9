"""Properties of plan and apply for random manifests and random live states, on the fake and on localhub.

The live state is made the way it happens in life: an earlier revision of the project applied,
then hand edits, duplicates, finished runs and other people's jobs (some with the same names).
Whatever that state, after apply the next plan is empty, nothing foreign changed, no duplicate
exists, and the JSON plan is the same bytes every time it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfjobs_spec import labels as L
from hfjobs_spec.commands import reconcile
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import JobRequest, LiveRun, LiveScheduledJob, SecretValue
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.hub.retry import RetryingBackend
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.normalize import to_job_spec
from hfjobs_spec.manifest.project import Project
from hfjobs_spec.manifest.semantics import ScriptReader
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.reconcile.live import DiffOptions

from .conftest import open_hub

NAMES = ("alpha", "beta", "gamma", "delta", "eps")
PROJECT = Project(root=Path("/nonexistent"), file="hfjobs.yaml", id="demo", namespace="alice", jobs_dir="jobs",
                  prune=True, vars={}, defaults=(), environment=None, environments=(), prune_namespaces=("acme",))
OPTIONS = DiffOptions(project="demo", allow_empty=True)
SCRIPTS = ScriptReader(Path("/nonexistent"))


@st.composite
def job_data(draw: st.DrawFn, name: str) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "image": draw(st.sampled_from(["python:3.12", "ubuntu"])),
                            "command": ["echo", draw(st.sampled_from(["a", "b"]))]}
    if draw(st.booleans()):
        data["schedule"] = draw(st.sampled_from(["@daily", "0 3 * * *", "*/5 * * * *"]))
        data["suspend"] = draw(st.booleans())
    if draw(st.booleans()):
        data["namespace"] = draw(st.sampled_from(["alice", "acme"]))
    data["flavor"] = draw(st.sampled_from(["cpu-basic", "t4-small"]))
    data["labels"] = draw(st.dictionaries(st.sampled_from(["team", "tier"]), st.sampled_from(["x", "y"])))
    data["env"] = draw(st.dictionaries(st.sampled_from(["A", "B"]), st.sampled_from(["1", "2"])))
    if draw(st.booleans()):
        data["secrets"] = ["HF_TOKEN"]
    return data


@st.composite
def project_specs(draw: st.DrawFn) -> tuple[JobSpec, ...]:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    return tuple(to_job_spec(draw(job_data(name)), namespace=None, scripts=SCRIPTS) for name in names)


@dataclass(frozen=True)
class Mess:
    """Things that happen to live state between two applies."""

    reschedule: bool
    suspend: bool
    relabel: bool
    duplicate: bool
    finish_runs: bool
    foreign_names: tuple[str, ...]


messes = st.builds(Mess, st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
                   st.lists(st.sampled_from(NAMES), unique=True, max_size=2).map(tuple))


def plan(backend: HubBackend, specs: tuple[JobSpec, ...]) -> reconcile.Planned:
    return reconcile.make_plan(PROJECT, specs, backend, OPTIONS, {})


def apply(backend: HubBackend, specs: tuple[JobSpec, ...]) -> None:
    planned = plan(backend, specs)
    report = reconcile.execute(planned, backend, {}, parallelism=3)
    assert report.ok, [r.error for r in report.failed]


def snapshot(backend: HubBackend) -> tuple[list[LiveScheduledJob], list[LiveRun]]:
    scheduled = [j for ns in ("alice", "acme") for j in backend.list_scheduled_jobs(ns, {})]
    runs = [r for ns in ("alice", "acme") for r in backend.list_jobs(ns, {})]
    return sorted(scheduled, key=lambda j: j.id), sorted(runs, key=lambda r: r.id)


def make_mess(backend: HubBackend, mess: Mess) -> None:
    scheduled, runs = snapshot(backend)
    for job in scheduled[:1]:
        if mess.reschedule:
            backend.reschedule(job.namespace, job.id, "7 7 * * *")
        if mess.suspend:
            (backend.resume_scheduled_job if job.suspend else backend.suspend_scheduled_job)(job.namespace, job.id)
        if mess.relabel:
            backend.set_scheduled_job_labels(job.namespace, job.id, {**job.labels, "team": "by-hand"})
        if mess.duplicate:
            backend.create_scheduled_job(job.namespace, _request(job.labels), schedule="@hourly", suspend=False,
                                         concurrency=False)
    if mess.finish_runs:
        for run in runs:
            backend.cancel_job(run.namespace, run.id)
    for name in mess.foreign_names:
        # A person's job with the same name, and another project's managed job with the same name.
        backend.create_scheduled_job("alice", _request({"name": name}), schedule="@daily", suspend=False,
                                     concurrency=False)
        backend.run_job("acme", _request({L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: "other",
                                          L.ENVIRONMENT: "default", L.MANIFEST_NAME: name, "name": name}))


def _request(labels: Any) -> JobRequest:
    return JobRequest(image="busybox", command=("true",), env={}, secrets={"S": SecretValue("x")},
                      flavor="cpu-basic", timeout=60, attempts=1, labels=dict(labels))


def foreign(scheduled: list[LiveScheduledJob], runs: list[LiveRun]) -> list[Any]:
    def mine(labels: Any) -> bool:
        ours = labels.get(L.PROJECT) == "demo" or labels.get(L.RETIRED_FROM) == "demo"  # retired runs too
        return bool(labels.get(L.MANAGED_BY) == L.MANAGED_BY_VALUE and ours)

    return [j for j in scheduled if not mine(j.labels)] + [r for r in runs if not mine(r.labels)]


def check_property(backend: HubBackend, before: tuple[JobSpec, ...], mess: Mess, after: tuple[JobSpec, ...]) -> None:
    apply(backend, before)
    make_mess(backend, mess)
    others_before = foreign(*snapshot(backend))
    first, second = plan(backend, after), plan(backend, after)
    assert render_plan_json(first.plan) == render_plan_json(second.plan)
    apply(backend, after)
    final = plan(backend, after).plan
    assert not final.has_changes, [(c.name, c.action, c.reason) for c in final.pending]
    scheduled, runs = snapshot(backend)
    assert foreign(scheduled, runs) == others_before
    resolved = {spec.name: spec for spec in first.specs}
    owned = [j for j in scheduled if j.labels.get(L.PROJECT) == "demo"]
    owned_runs = [r for r in runs if r.labels.get(L.PROJECT) == "demo"]
    for name, spec in resolved.items():
        mine = [j for j in owned if j.labels[L.MANIFEST_NAME] == name]
        current = [r for r in owned_runs if r.labels[L.MANIFEST_NAME] == name
                   and r.labels[L.SPEC_HASH] == spec.hash_label and r.namespace == spec.namespace]
        if spec.kind == "scheduled_job":
            assert len(mine) == 1 and mine[0].namespace == spec.namespace
            assert (mine[0].schedule, mine[0].suspend) == (spec.schedule, spec.suspend)
        else:
            assert not mine and len(current) == 1
        assert len([r for r in owned_runs if r.labels[L.MANIFEST_NAME] == name and r.active]) <= 1
    for job in owned:
        assert job.labels[L.MANIFEST_NAME] in resolved


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=project_specs(), mess=messes, after=project_specs())
def test_apply_converges_on_the_fake(before: tuple[JobSpec, ...], mess: Mess, after: tuple[JobSpec, ...]) -> None:
    backend = RetryingBackend(FakeHub(user="alice", orgs=("acme",), token="t"))
    check_property(backend, before, mess, after)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=project_specs(), mess=messes, after=project_specs())
def test_apply_converges_on_localhub(before: tuple[JobSpec, ...], mess: Mess, after: tuple[JobSpec, ...]) -> None:
    with open_hub("localhub") as backend:
        check_property(backend, before, mess, after)
