"""Edges found in review: runs duplicated on the Hub, webhooks of renamed or half-destroyed jobs, saved
plans with impossible times or values, and Hub strings in status."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.commands import reconcile
from hfjobs_spec.errors import HubError, PlanError, StalePlanError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.manifest.script_header import read_header
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.output.status import render_status
from hfjobs_spec.reconcile.destroy import plan_destroy
from hfjobs_spec.reconcile.execute import Executor
from hfjobs_spec.reconcile.live import DiffOptions
from hfjobs_spec.reconcile.plan_file import read_plan_file
from hfjobs_spec.reconcile.status import StatusRow

from .helpers import Session, one_shot, scheduled, write_project
from .scripted_server import Answer, scripted_server

ON_HUB = "\non:\n  hub:\n    watched: [{type: dataset, name: acme/data}]\n"


def test_a_run_someone_duplicated_on_the_hub_is_never_cancelled(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": one_shot("train"), "nightly": scheduled("nightly")})
    assert session.apply().ok
    (run,) = hub.runs.values()
    hub.runs["dup1"] = dataclasses.replace(run, id="dup1", initiator_type="duplicated-job", initiator_id=run.id)
    assert session.plan().plan.pending == ()


def test_a_targeted_rename_moves_the_webhook_and_never_doubles_it(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": one_shot("train") + ON_HUB})
    assert session.apply().ok
    write_project(session.root, {"train2": one_shot("train2") + "previous_names: [train]\n" + ON_HUB})
    assert session.apply(targets=("train2",)).ok
    assert len(hub.webhooks) == 1
    assert session.plan().plan.pending == ()


def test_destroy_finds_a_webhook_whose_run_already_left_the_listing(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": one_shot("train") + ON_HUB})
    assert session.apply().ok
    options = DiffOptions(project="demo")

    def destroy() -> bool:
        live = reconcile.read_live(hub, ["alice"], "demo", (), L.DEFAULT_ENVIRONMENT, all_webhooks=True)
        plan = plan_destroy(live, options).plan
        return Executor(hub, {}, project="demo", environment="default", environ={}).run(plan.pending).ok

    hub.fail_next("delete_webhook", HubError("500 boom", status=500))
    assert not destroy()  # the run was relabelled out of the listing, the webhook's delete failed
    assert destroy()
    assert not hub.webhooks


@pytest.mark.parametrize(("as_of", "says"), [
    (datetime(2026, 12, 2, 12, 30, tzinfo=UTC), "made in the future"),
    (datetime(2026, 11, 20, tzinfo=UTC), "more than 7 days old"),
])
def test_a_saved_plan_must_have_been_made_recently(as_of: datetime, says: str) -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with pytest.raises(StalePlanError, match=says):
        reconcile.saved_plan_time(as_of, now)
    assert reconcile.saved_plan_time(now - timedelta(days=6), now) == now - timedelta(days=6)


@pytest.mark.parametrize(("edit", "says"), [
    (lambda d: d["changes"][0]["cost"]["after"].update(unit_label="x"), "unit_label"),
    (lambda d: d["changes"][0]["cost"]["after"].update(schedule="not a cron"), "schedule"),
    (lambda d: d["cost"].update(as_of="9999-12-31T23:59:00Z"), "as_of"),
])
def test_cost_values_a_renderer_would_choke_on_make_an_invalid_plan_file(session: Session, tmp_path: Path,
                                                                          edit: object, says: str) -> None:
    write_project(session.root, {"nightly": scheduled("nightly")})
    settings = session.settings()
    from hfjobs_spec.commands.manifests import load_specs

    project, specs = load_specs(settings.manifests, session.environ)
    plan = reconcile.make_plan(project, specs, session.backend, reconcile.diff_options(settings, project),
                               session.environ, priced=True, now=datetime(2026, 12, 1, tzinfo=UTC)).plan
    data = json.loads(render_plan_json(plan))
    edit(data)  # type: ignore[operator]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PlanError, match=f"not a valid plan file.*{says}"):
        read_plan_file(path)


def test_status_prints_the_hubs_strings_as_data() -> None:
    row = StatusRow(name="a", kind="job", namespace="alice", id="j1", schedule=None, suspended=False,
                    next_run_at=None, last_run_id="r1", last_run_stage="ERROR\x1b]0;pwn\x07", last_run_at=None,
                    url="http://x/\x1b[2J", sync="in sync", last_run_message="boom\x1b[31m")
    text = render_status([row])
    assert "\x1b" not in text and "\x07" not in text and "ERROR" in text


def test_a_webhook_list_of_the_wrong_shape_is_a_hub_error_not_a_crash() -> None:
    install_http_client()
    shape = "webhook list is not in the expected shape"
    with scripted_server(lambda seen: Answer(200, [{"id": "w1", "watched": None}])) as hub, \
            pytest.raises(HubError, match=shape):
        HfApiBackend(endpoint=hub.url, token="hf_edges_test_token_0123456789").list_webhooks()


def test_a_script_header_nested_too_deeply_is_a_located_error() -> None:
    nested = "[" * 5000 + "]" * 5000
    header = read_header(f"# /// script\n# [tool.hf-jobs]\n# x = {nested}\n# ///\nprint(1)\n", "scripts/s.py")
    assert [issue.message for issue in header.issues] == ["the script header is nested too deeply"]


def test_removing_on_hub_with_a_new_revision_leaves_the_old_run_retired(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": one_shot("train") + ON_HUB})
    assert session.apply().ok
    for run_id in list(hub.runs):
        hub.finish_run(run_id)
    write_project(session.root, {"train": one_shot("train", flavor="cpu-upgrade")})
    assert session.apply().ok
    assert session.plan().plan.pending == ()
    assert not hub.webhooks


def test_the_webhook_of_a_protected_job_is_protected_too(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"train": one_shot("train", protect="true") + ON_HUB, "keep": one_shot("keep")})
    assert session.apply().ok
    for run_id in list(hub.runs):
        hub.finish_run(run_id)
    live = reconcile.read_live(hub, ["alice"], "demo", (), L.DEFAULT_ENVIRONMENT, all_webhooks=True)
    destroying = [c for c in plan_destroy(live, DiffOptions(project="demo")).plan.pending if c.webhook is not None]
    assert [c.blocked is not None for c in destroying] == [True]
    write_project(session.root, {"keep": one_shot("keep")})
    (pruning,) = session.plan().plan.pending
    assert pruning.webhook is not None and pruning.blocked is not None and "protect: true" in pruning.blocked


def test_a_plan_file_whose_shown_strings_hold_control_characters_is_refused(session: Session, tmp_path: Path) -> None:
    write_project(session.root, {"train": 'name: train\nimage: python:3.12\ncommand: ["python", "-c", "1\\n2"]\n'})
    path = tmp_path / "plan.json"
    path.write_text(render_plan_json(session.plan().plan))
    assert read_plan_file(path).plan.changes  # a multi-line command is a value: quoted when shown, accepted
    data = json.loads(path.read_text())
    data["changes"][0]["reason"] = "R\x1b]0;pwned\x07"
    path.write_text(json.dumps(data))
    with pytest.raises(PlanError, match=r"changes\[0\]\.reason: holds a control character"):
        read_plan_file(path)
