"""Property: for random live states of unmanaged jobs, `export` then `apply` changes nothing on the Hub
but labels (issue 10). Same ids, same specs, schedules, suspend and concurrency; the plan between
the two holds imports only, and the plan after apply is empty.

Live states are made as people make them with `hf jobs [scheduled] [uv] run`: any image and command
(uv runs of https URLs among them), env, secret names, flavors, timeouts, attempts, labels (with or
without a Hub `name`, clashing names, names that are no manifest name), volumes, exposed ports.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfjobs_spec import labels as L
from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.export import ExportSettings, export_from
from hfjobs_spec.commands.manifests import ManifestSettings, load_specs
from hfjobs_spec.flavors import FLAVORS
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import JobRequest, LiveRun, LiveScheduledJob, SecretValue
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.hub.retry import RetryingBackend
from hfjobs_spec.manifest.model import DEFAULT_UV_IMAGE, NetworkSpec, VolumeSpec
from hfjobs_spec.manifest.project import ProjectOptions, load_project
from hfjobs_spec.reconcile.live import DiffOptions

from .conftest import open_hub

_TEXT = st.one_of(st.text(st.characters(min_codepoint=9, max_codepoint=0x2FF, exclude_characters="\x7f\r"),
                          max_size=12),
                  st.sampled_from(["{{ vars.x }}", "{% if %}", "{#", "1", "true", "~", "- a", "a: b", "'\""]))
_LABEL = st.text("abcXYZ019-_", min_size=1, max_size=8)
State = list[tuple[JobRequest, dict[str, Any] | None]]
_ENV_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True)


@st.composite
def program(draw: st.DrawFn) -> tuple[str, tuple[str, ...]]:
    if draw(st.booleans()):  # `hf jobs uv run https://...` / run_uv_job
        uv: list[str] = ["uv", "run"]
        for dependency in draw(st.lists(st.sampled_from(["trl", "torch==2.1", "numpy"]), unique=True, max_size=2)):
            uv += ["--with", dependency]
        if draw(st.booleans()):
            uv += ["--python", "3.11"]
        uv.append(draw(st.sampled_from(["https://example.com/train.py", "https://x.org/a/eval.py?v=1"])))
        uv += draw(st.lists(_TEXT, max_size=2))
        return draw(st.sampled_from([DEFAULT_UV_IMAGE, "ghcr.io/astral-sh/uv:python3.11-bookworm"])), tuple(uv)
    image = draw(st.sampled_from(["python:3.12", "ubuntu", "Org/My.Image:1", "hf.co/spaces/org/app"]))
    return image, (draw(st.sampled_from(["python", "sh", "echo"])), *draw(st.lists(_TEXT, max_size=3)))


@st.composite
def request(draw: st.DrawFn) -> JobRequest:
    image, command = draw(program())
    labels = draw(st.dictionaries(st.sampled_from(["team", "tier", "Owner"]), _LABEL, max_size=2))
    hub_name = draw(st.one_of(st.none(), st.sampled_from(["report", "Report_v2", "smoke", "a-b"])))
    if hub_name is not None:
        labels[L.HUB_NAME] = hub_name
    secrets = draw(st.lists(st.sampled_from(["HF_TOKEN", "WANDB_API_KEY"]), unique=True, max_size=2))
    env = draw(st.dictionaries(_ENV_NAME.filter(lambda n: n not in secrets), _TEXT, max_size=2))
    volumes = draw(st.lists(st.sampled_from([
        VolumeSpec("dataset", "org/data", "/data"), VolumeSpec("model", "org/m", "/model", revision="v1"),
        VolumeSpec("bucket", "org/b", "/out", read_only=False), VolumeSpec("bucket", "org/c", "/in", read_only=True),
    ]), unique_by=lambda v: v.mount_path, max_size=2))
    public = tuple(draw(st.lists(st.sampled_from([8000, 9000]), unique=True, max_size=1)))
    ports = draw(st.lists(st.sampled_from([7000, 9000]), unique=True, max_size=1))
    private = tuple(port for port in ports if port not in public)
    return JobRequest(image=image, command=command, env=env, secrets={s: SecretValue("v") for s in secrets},
                      flavor=draw(st.sampled_from(FLAVORS)), labels=labels, volumes=tuple(volumes),
                      timeout=draw(st.sampled_from([60, 1800, 5400, 7200])), attempts=draw(st.integers(1, 3)),
                      expose=private, expose_public=public)


@st.composite
def live_state(draw: st.DrawFn) -> State:
    """Requests, each with its schedule settings (None: a one-shot run)."""
    schedules = st.fixed_dictionaries({"schedule": st.sampled_from(["@daily", "0 3 * * 1", "*/5 * * * *"]),
                                       "suspend": st.booleans(), "concurrency": st.booleans()})
    state = draw(st.lists(st.tuples(request(), st.one_of(st.none(), schedules)), min_size=1, max_size=5))
    networks = st.one_of(st.none(), st.sampled_from([NetworkSpec("train"), NetworkSpec("train", ("master", "w1"))]))
    # Network groups are for one-shot runs only (the Hub refuses them on scheduled jobs).
    return [(dataclasses.replace(job, network=draw(networks)) if schedule is None else job, schedule)
            for job, schedule in state]


def make(backend: HubBackend, state: State) -> None:
    for job, schedule in state:
        if schedule is None:
            backend.run_job("acme", job)
        else:
            backend.create_scheduled_job("acme", job, **schedule)


def snapshot(backend: HubBackend) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for job in backend.list_scheduled_jobs("acme", {}):
        found[job.id] = (_spec(job), job.schedule, job.suspend, job.concurrency)
    for run in backend.list_jobs("acme", {}):
        found[run.id] = (_spec(run), run.stage)
    return found


def _spec(job: LiveScheduledJob | LiveRun) -> Any:
    spec = job.spec
    return (spec.image, spec.command, dict(spec.env), spec.secret_names, spec.flavor, spec.volumes, spec.expose,
            spec.expose_public, spec.timeout, spec.attempts, spec.network)


def check_property(backend: HubBackend, root: Path, state: State) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: adopted\nnamespace: acme\n")
    make(backend, state)
    before = snapshot(backend)
    options = ProjectOptions(cwd=root)
    manifests = ManifestSettings(options)
    project = load_project(options)
    result = export_from(backend, project, ExportSettings(manifests=manifests, scheduled=True, runs=True), {})
    assert result.skipped == () or all("earlier run" in s.reason for s in result.skipped), result.skipped
    assert all(not f.replaces for f in result.files), [(f.job.name, f.replaces) for f in result.files]
    project, specs = load_specs(manifests, {})
    assert len(specs) == len(result.files)
    environ = {"WANDB_API_KEY": "w"}
    diff_options = DiffOptions(project="adopted")
    planned = reconcile.make_plan(project, specs, backend, diff_options, environ)
    assert {c.action for c in planned.plan.changes} == {"import"}, [(c.name, c.reason) for c in planned.plan.changes]
    kinds = {op.kind for c in planned.plan.changes for op in c.operations}
    assert kinds <= {"import_scheduled", "import_run"}, kinds
    report = reconcile.execute(planned, backend, environ, parallelism=3)
    assert report.ok, [r.error for r in report.failed]
    assert snapshot(backend) == before  # the same ids, and nothing but labels changed
    assert not reconcile.make_plan(project, specs, backend, diff_options, environ).plan.has_changes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(state=live_state())
def test_export_then_apply_changes_only_labels_on_the_fake(tmp_path_factory: Any, state: State) -> None:
    backend = RetryingBackend(FakeHub(user="alice", orgs=("acme",), token="t"))
    check_property(backend, tmp_path_factory.mktemp("export"), state)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(state=live_state())
def test_export_then_apply_changes_only_labels_on_localhub(tmp_path_factory: Any, state: State) -> None:
    with open_hub("localhub") as backend:
        check_property(backend, tmp_path_factory.mktemp("export"), state)
