"""The drift function: a job deleted by hand is told apart from one not applied yet only by its traces."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hfjobs_spec.commands import reconcile
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import LiveRun
from hfjobs_spec.reconcile.diff import diff
from hfjobs_spec.reconcile.drift import find_drift
from tests.reconcile.helpers import Session, one_shot, scheduled, write_project


def test_a_deleted_scheduled_job_is_drift_only_when_its_runs_prove_it_existed(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"nightly": scheduled("nightly"), "once": one_shot("once")})
    hub = FakeHub()
    session = Session(root, hub)
    session.apply()
    planned = session.plan()
    [job] = planned.live.scheduled
    options = reconcile.diff_options(session.settings(), planned.project)
    started = LiveRun(id="run-1", namespace=job.namespace, spec=job.spec, stage="COMPLETED",
                      initiator_type="scheduled-job", initiator_id=job.id)
    gone = dataclasses.replace(planned.live, scheduled=(), runs=(*planned.live.runs, started))
    report = find_drift(planned.specs, gone, diff(planned.specs, gone, options), options)
    assert [(item.kind, item.name, item.live_id) for item in report.items] == [("deleted", "nightly", job.id)]
    assert "its schedule started run run-1" in report.items[0].detail

    no_trace = dataclasses.replace(planned.live, scheduled=())
    report = find_drift(planned.specs, no_trace, diff(planned.specs, no_trace, options), options)
    assert not report.has_drift and report.not_applied == ("nightly",)


def test_a_hand_relabelled_run_and_a_duplicate_are_drift(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"nightly": scheduled("nightly"), "once": one_shot("once")})
    hub = FakeHub()
    session = Session(root, hub)
    session.apply()
    planned = session.plan()
    [job] = planned.live.scheduled
    [run] = planned.live.runs
    hub.set_job_labels(run.namespace, run.id, {**run.labels, "owner": "bob"})
    copy = dataclasses.replace(job, id="copy-1")
    planned = session.plan()
    live = dataclasses.replace(planned.live, scheduled=(*planned.live.scheduled, copy))
    options = reconcile.diff_options(session.settings(), planned.project)
    report = find_drift(planned.specs, live, diff(planned.specs, live, options), options)
    assert [(item.kind, item.name) for item in report.items] == [("edited", "once"), ("duplicate", "nightly")]
    assert report.items[0].fields[0].field == "labels.owner"
