"""`export`'s pure parts: which jobs, which names, which document, and YAML that loads back as written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun, LiveScheduledJob, LiveSpec
from hfjobs_spec.manifest.loader import load_texts
from hfjobs_spec.manifest.model import DEFAULT_UV_IMAGE, VolumeSpec
from hfjobs_spec.manifest.project import ProjectOptions, load_project
from hfjobs_spec.output.manifest_yaml import manifest_yaml
from hfjobs_spec.reconcile.export import Declared, ExportSelection, choose, manifest_name
from hfjobs_spec.reconcile.export_document import recover_url_script, to_document
from hfjobs_spec.reconcile.fields import replacement_fields
from hfjobs_spec.reconcile.translate import live_view

TOKEN_SHAPED = "hf_" + "a1B2" * 9
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def spec(image: str = "python:3.12", command: tuple[str, ...] = ("python", "-c", "print(1)"),
         **fields: Any) -> LiveSpec:
    values: dict[str, Any] = {"env": {}, "flavor": "cpu-basic", "labels": {}, "secret_names": (), **fields}
    return LiveSpec(image=image, command=command, **values)


def run(job_id: str, labels: dict[str, str], minutes: int = 0, initiator: str = "user", **fields: Any) -> LiveRun:
    return LiveRun(job_id, "acme", spec(labels=labels, **fields), "COMPLETED",
                   created_at=T0 + timedelta(minutes=minutes), initiator_type=initiator)


def scheduled(job_id: str, labels: dict[str, str], **fields: Any) -> LiveScheduledJob:
    return LiveScheduledJob(job_id, "acme", spec(labels=labels, timeout=1800, attempts=1, **fields), "@daily",
                            suspend=False, concurrency=False, created_at=T0)


# Which jobs


def test_unmanaged_scheduled_jobs_are_exported_by_default_and_everything_else_is_left_out_with_a_reason() -> None:
    jobs = [scheduled("s1", {"name": "report"}),
            scheduled("s2", {"name": "x", L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: "reports"}),
            scheduled("s3", {"name": "box", "hf-sandbox": "1"}),
            scheduled("s4", {L.LOCK: "default"})]
    runs = [run("r1", {"name": "smoke"})]
    chosen = choose(jobs, runs, ExportSelection())
    assert [(n.job.id, n.name) for n in chosen.jobs] == [("s1", "report")]
    assert {s.id: s.reason for s in chosen.skipped} == {
        "s2": "managed by hfjobs-spec (project reports)",
        "s3": "another tool's job (label hf-sandbox); never adopted",
    }  # the lock is no job at all; runs were not asked for


def test_runs_are_the_latest_of_each_name_and_never_those_a_schedule_started() -> None:
    runs = [run("r1", {"name": "smoke"}, 1), run("r2", {"name": "smoke"}, 5), run("r3", {"name": "smoke"}, 3),
            run("r4", {"name": "report"}, 9, initiator="scheduled-job"), run("r5", {}, 2), run("r6", {}, 4),
            run("r7", {"name": "old"}, 1), run("r8", {"name": "old", L.MANAGED_BY: L.MANAGED_BY_VALUE,
                                                        L.PROJECT: "p"}, 2)]
    chosen = choose([], runs, ExportSelection(scheduled=False, runs=True))
    assert sorted(n.job.id for n in chosen.jobs) == ["r2", "r5", "r6"]
    reasons = {s.id: s.reason for s in chosen.skipped}
    assert reasons["r1"] == reasons["r3"] == "an earlier run of the same name (only the latest, r2, is exported)"
    assert reasons["r4"] == "started by a scheduled job (it belongs to that job)"
    assert reasons["r7"] == "an earlier run of the same name (the latest, r8, is managed by hfjobs-spec)"


def test_names_filter_and_unmatched_names_and_jobs_a_manifest_imports_already() -> None:
    jobs = [scheduled("s1", {"name": "report"}), scheduled("s2", {"name": "other"}), scheduled("s3", {"name": "n"})]
    declared = Declared(names=frozenset({"report"}), imported_ids={"s1": "jobs/report.yaml:2"},
                        imported_names={("scheduled_job", "n"): "jobs/n.yaml:2"})
    chosen = choose(jobs, [], ExportSelection(names=frozenset({"report", "n", "nope"})), declared=declared)
    assert chosen.jobs == ()
    assert {s.id: s.reason for s in chosen.skipped} == {"s1": "already imported by jobs/report.yaml:2",
                                                        "s3": "already imported by jobs/n.yaml:2"}
    assert chosen.unmatched == ("nope",)


def test_names_are_made_unique_and_label_safe_and_invented_when_missing() -> None:
    jobs = [scheduled("s1", {"name": "report"}), scheduled("s2", {"name": "Report_v2.1"}),
            scheduled("s3", {}, image="ghcr.io/Org/My_Image:1"), scheduled("s4", {"name": "taken"})]
    runs = [run("r1", {"name": "report"})]
    chosen = choose(jobs, runs, ExportSelection(runs=True), declared=Declared(names=frozenset({"taken"})))
    names = {n.job.id: (n.name, n.notes) for n in chosen.jobs}
    assert names["s1"] == ("report", ())
    assert names["s2"][0] == "report-v2-1" and "not a manifest name" in names["s2"][1][0]
    assert names["s3"][0].startswith("my-image-1-") and "has no Hub name" in names["s3"][1][0]
    assert names["s4"] == ("taken-2", ("the name 'taken' is taken by a manifest of the project: exported as "
                                       "'taken-2'",))
    assert names["r1"][0] == "report-2" and "another exported job" in names["r1"][1][0]


def test_an_invented_name_comes_from_the_script_of_a_uv_job() -> None:
    job = run("r1", {}, image=DEFAULT_UV_IMAGE, command=("uv", "run", "https://x.org/a/Train_SFT.py?x=1"))
    name, _ = manifest_name(job)
    assert name.startswith("train-sft-") and len(name) == len("train-sft-") + 8


# uv jobs


def test_a_uv_run_of_a_url_becomes_a_script_manifest() -> None:
    command = ["uv", "run", "--with", "trl", "--with", "torch==2.1", "--python", "3.11", "https://e.com/x/train.py",
               "--n", "3"]
    assert recover_url_script(DEFAULT_UV_IMAGE, command) == {
        "script": "https://e.com/x/train.py", "script_args": ["--n", "3"], "dependencies": ["trl", "torch==2.1"],
        "python": "3.11"}
    assert recover_url_script("my/uv:1", ["uv", "run", "https://e.com/a.py"]) == {"script": "https://e.com/a.py",
                                                                                 "image": "my/uv:1"}


@pytest.mark.parametrize("command", [
    ["uv", "run", "/data/train.py"],  # a local file `run_uv_job` uploaded to the jobs-artifacts bucket
    ["uv", "run", "--with", "lighteval", "lighteval", "endpoint"],  # a command, not a script
    ["uv", "run", "http://e.com/a.py"],  # manifests take https only
    ["uv", "run", "--python", "3.11", "--with", "trl", "https://e.com/a.py"],  # would be sent in another order
    ["uv", "run", "--with", "trl", "--with", "trl", "https://e.com/a.py"],
    ["uv", "run"],
    ["python", "https://e.com/a.py"],
])
def test_anything_else_stays_image_and_command(command: list[str]) -> None:
    assert recover_url_script(DEFAULT_UV_IMAGE, command) is None


# Documents


def test_the_document_keeps_every_field_and_turns_a_token_in_env_into_a_secret() -> None:
    job = LiveScheduledJob("s1", "acme", spec(
        env={"BATCH": "32", "TOK": TOKEN_SHAPED}, secret_names=("WANDB_API_KEY",), flavor="a10g-small",
        labels={"name": "report", "team": "ml", "hfjobs-stray": "x"}, timeout=7200, attempts=3,
        volumes=(VolumeSpec("dataset", "org/d", "/data", revision="main", read_only=True),
                 VolumeSpec("bucket", "org/b", "/out", read_only=False)), expose=(8000,), expose_public=(9000,)),
        "0 3 * * *", suspend=True, concurrency=True)
    exported = to_document(job, "report", namespace="other")
    assert exported.document == {
        "apiVersion": "hfjobs/v1", "name": "report", "namespace": "other", "schedule": "0 3 * * *", "suspend": True,
        "concurrency": True, "image": "python:3.12", "command": ["python", "-c", "print(1)"], "flavor": "a10g-small",
        "timeout": "2h", "attempts": 3, "env": {"BATCH": "32"}, "secrets": {"TOK": "$TOK", "WANDB_API_KEY":
                                                                             "$WANDB_API_KEY"},
        "labels": {"team": "ml"}, "volumes": [{"type": "dataset", "source": "org/d", "mount_path": "/data"},
                                              {"type": "bucket", "source": "org/b", "mount_path": "/out"}],
        "expose": [8000], "expose_public": [9000], "import": {"id": "s1"}}
    assert exported.replaced and "env TOK held a value shaped like a Hub token" in exported.notes[0]
    assert TOKEN_SHAPED not in manifest_yaml(exported.document, comments=exported.comments)


def test_defaults_of_the_project_make_fields_explicit() -> None:
    job = scheduled("s1", {"name": "a"})
    assert "timeout" not in to_document(job, "a", namespace=None).document
    document = to_document(job, "a", namespace=None, explicit=frozenset({"timeout", "attempts", "suspend"})).document
    assert (document["timeout"], document["attempts"], document["suspend"]) == ("30m", 1, False)


@pytest.fixture
def project(tmp_path: Path) -> Any:
    (tmp_path / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: p\nnamespace: acme\n")
    return load_project(ProjectOptions(cwd=tmp_path))


def test_an_exported_document_loads_into_a_spec_whose_view_is_the_live_one(project: Any) -> None:
    job = run("r1", {"name": "t"}, image=DEFAULT_UV_IMAGE, attempts=2,
              command=("uv", "run", "--with", "trl", "https://e.com/t.py", "{{ not a template }}"))
    exported = to_document(job, "t", namespace=None)
    result = load_texts(project, [("jobs/t.yaml", manifest_yaml(exported.document))], environ={})
    assert result.issues == ()
    (loaded,) = result.specs
    assert loaded.script is not None and loaded.script.url == "https://e.com/t.py"
    assert replacement_fields(loaded, live_view(job.spec)) == ()


# YAML that loads back exactly

_ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20),
    st.lists(st.sampled_from(["{{", "{%", "{#", "}}", "%}", "#}", "endraw", "{% endraw %}", "raw", " ", "\n", "x"]),
             max_size=8).map("".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.lists(_ANY_TEXT, min_size=1, max_size=4), value=_ANY_TEXT)
def test_any_text_is_written_so_that_the_manifest_loader_reads_it_back(project: Any, command: list[str],
                                                                        value: str) -> None:
    document = {"apiVersion": "hfjobs/v1", "name": "a", "image": "x", "command": command, "env": {"V": value}}
    text = manifest_yaml(document, header=["a header"], comments={"command": "a comment", "env": "another"})
    result = load_texts(project, [("jobs/a.yaml", text)], environ={})
    if result.issues:  # only the hygiene rules (a token-shaped text) may refuse it, never the syntax
        assert all("token" in issue.message for issue in result.issues), result.issues
        return
    (loaded,) = result.specs
    assert list(loaded.command or ()) == command and loaded.env_dict == {"V": value}


def test_comments_never_break_a_value_and_ids_are_quoted() -> None:
    long_command = ["python", "-c", "x = 1\nprint(x)\n" * 20]
    text = manifest_yaml({"command": long_command, "import": {"id": to_document(
        scheduled("0123", {}), "a", namespace=None).document["import"]["id"]}},
        comments={"command": "about the command", "import": "short"})
    assert yaml.safe_load(text) == {"command": long_command, "import": {"id": "0123"}}
    assert '# about the command\ncommand:' in text and 'import: {id: "0123"}  # short' in text


# Against the project's defaults


def test_fields_the_project_defaults_set_are_written_and_what_no_manifest_can_undo_is_named(tmp_path: Path) -> None:
    from hfjobs_spec.commands.export import ExportSettings, export_from
    from hfjobs_spec.commands.manifests import ManifestSettings
    from hfjobs_spec.hub.fake import FakeHub
    from hfjobs_spec.hub.model import JobRequest

    (tmp_path / "hfjobs.yaml").write_text(
        "apiVersion: hfjobs/v1\nproject: p\nnamespace: acme\n"
        "defaults: {flavor: a10g-small, timeout: 1h, attempts: 3, dependencies: [numpy], volumes: [{type: model, "
        "source: org/m, mount_path: /m}]}\n")
    hub = FakeHub(user="alice", orgs=("acme",))
    plain = JobRequest(image="ubuntu", command=("true",), env={}, secrets={}, flavor="cpu-basic", labels={"name": "a"},
                       timeout=1800, attempts=1)
    hub.create_scheduled_job("acme", plain, schedule="@daily", suspend=False, concurrency=False)
    uv = JobRequest(image=DEFAULT_UV_IMAGE, command=("uv", "run", "https://e.com/b.py"), env={}, secrets={},
                    flavor="cpu-basic", labels={"name": "b"}, timeout=1800, attempts=1)
    hub.create_scheduled_job("acme", uv, schedule="@daily", suspend=False, concurrency=False)
    options = ProjectOptions(cwd=tmp_path)
    result = export_from(hub, load_project(options), ExportSettings(manifests=ManifestSettings(options)), {})
    assert [f.replaces for f in result.files] == [(), ()]
    written = {f.job.name: yaml.safe_load(f.path.read_text()) for f in result.files}
    assert {k: written["a"][k] for k in ("flavor", "timeout", "attempts", "volumes")} == {
        "flavor": "cpu-basic", "timeout": "30m", "attempts": 1, "volumes": []}
    assert written["b"]["dependencies"] == [] and "image" not in written["b"]

    for exported in result.files:
        exported.path.unlink()
    (tmp_path / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: p\nnamespace: acme\n"
                                          "defaults: {env: {A: '1'}}\n")
    again = export_from(hub, load_project(options), ExportSettings(manifests=ManifestSettings(options)), {})
    assert [f.replaces for f in again.files] == [("env",), ("env",)]  # env defaults merge: a manifest cannot drop one


def test_a_job_no_valid_manifest_can_express_is_left_out_and_never_written(tmp_path: Path) -> None:
    from hfjobs_spec.commands.export import ExportSettings, export_from
    from hfjobs_spec.commands.manifests import ManifestSettings
    from hfjobs_spec.hub.fake import FakeHub
    from hfjobs_spec.hub.model import JobRequest

    (tmp_path / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: p\nnamespace: acme\n")
    hub = FakeHub(user="alice", orgs=("acme",))

    def make(name: str, command: tuple[str, ...], timeout: int) -> None:
        request = JobRequest(image="ubuntu", command=command, env={}, secrets={}, flavor="cpu-basic",
                             labels={"name": name}, timeout=timeout, attempts=1)
        hub.create_scheduled_job("acme", request, schedule="@daily", suspend=False, concurrency=False)

    make("leaky", ("curl", "-H", f"Authorization: Bearer {TOKEN_SHAPED}"), 60)
    make("long", ("true",), 8 * 86_400)
    make("fine", ("true",), 60)
    options = ProjectOptions(cwd=tmp_path)
    result = export_from(hub, load_project(options), ExportSettings(manifests=ManifestSettings(options)), {})
    assert [f.job.name for f in result.files] == ["fine"]
    reasons = {s.hub_name: s.reason for s in result.skipped}
    assert reasons["leaky"].startswith("cannot be written as a valid manifest (command[2]: holds what looks like")
    assert reasons["long"] == "cannot be written as a valid manifest (timeout: must be at most 7d (604,800 seconds))"
    assert TOKEN_SHAPED not in " ".join(reasons.values())
    assert sorted(p.name for p in (tmp_path / "jobs").iterdir()) == ["fine.yaml"]


def test_values_the_defaults_give_already_are_left_out_so_validate_has_nothing_to_say(tmp_path: Path) -> None:
    from hfjobs_spec.commands.export import ExportSettings, export_from
    from hfjobs_spec.commands.manifests import ManifestSettings, validate
    from hfjobs_spec.hub.fake import FakeHub
    from hfjobs_spec.hub.model import JobRequest

    (tmp_path / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: p\nnamespace: acme\n"
                                          "defaults: {flavor: a10g-small, timeout: 1h, labels: {team: ml}}\n")
    (tmp_path / "jobs").mkdir()
    hub = FakeHub(user="alice", orgs=("acme",))
    request = JobRequest(image="ubuntu", command=("true",), env={}, secrets={}, flavor="a10g-small",
                         labels={"name": "a", "team": "ml", "owner": "bo"}, timeout=3600, attempts=1)
    hub.create_scheduled_job("acme", request, schedule="@daily", suspend=False, concurrency=False)
    options = ProjectOptions(cwd=tmp_path)
    result = export_from(hub, load_project(options), ExportSettings(manifests=ManifestSettings(options)), {})
    assert [f.replaces for f in result.files] == [()]
    written = yaml.safe_load(result.files[0].path.read_text())
    assert "flavor" not in written and "timeout" not in written and written["labels"] == {"owner": "bo"}
    checked = validate(ManifestSettings(options), {})
    assert not checked.issues
    assert [w.message for w in checked.warnings if "same value" in w.message] == []
