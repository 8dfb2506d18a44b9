"""Semantic checks the schema cannot express, and the loader that runs every check on every file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hfjobs_spec.manifest.semantics import (
    MAX_INLINE_SCRIPT_BYTES,
    ScriptFile,
    ScriptReader,
    parse_timeout,
    timeout_seconds,
)
from tests.manifest.helpers import PROJECT_HEADER, TOKEN, check, messages, specs, write_project

IMAGE_JOB = "apiVersion: hfjobs/v1\nname: {name}\nimage: python:3.12\ncommand: [python, -V]\n"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90), ("90", 90), ("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1.5h", 5400),
     ("0.5s", 0), ("2.999s", 2)],
)
def test_parse_timeout(value: int | str, seconds: int) -> None:
    assert parse_timeout(value) == seconds


def test_timeout_seconds_of_absurd_text_is_infinite_not_a_crash() -> None:
    assert timeout_seconds("9" * 5000 + "d") == float("inf")
    assert timeout_seconds("9" * 5000) == float("inf")


def test_script_reader_refuses_paths_it_cannot_use(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    os.mkfifo(tmp_path / "scripts" / "pipe.py")  # reading it would block forever
    os.symlink("loop.py", tmp_path / "scripts" / "loop.py")
    os.symlink(tmp_path, tmp_path / "scripts" / "up")
    (tmp_path / "scripts" / "big.py").write_text("#" * (MAX_INLINE_SCRIPT_BYTES * 2))
    reader = ScriptReader(tmp_path)
    assert reader.read("scripts/pipe.py") == "'scripts/pipe.py' is not a file"
    assert reader.read("scripts/loop.py") == "the path is a symlink loop"
    assert reader.read("scripts/a\x00.py") == "the path contains a NUL character, which no file name can hold"
    assert str(reader.read("a" * 5000)).startswith("file 'aaaa")  # too long a name for the OS; quoted short
    assert len(str(reader.read("a" * 5000))) < 150
    assert reader.read("scripts/up/scripts/up/scripts/missing.py") == (
        "file 'scripts/up/scripts/up/scripts/missing.py' does not exist (paths are relative to the repository root)")
    assert str(reader.read("scripts/big.py")).startswith(f"script is {MAX_INLINE_SCRIPT_BYTES * 2:,} bytes;")


def test_script_reader(tmp_path: Path) -> None:
    (tmp_path / "repo" / "scripts").mkdir(parents=True)
    (tmp_path / "repo" / "scripts" / "ok.py").write_text("print('ok')\n")
    (tmp_path / "repo" / "scripts" / "big.py").write_text("#" * (MAX_INLINE_SCRIPT_BYTES + 1))
    (tmp_path / "repo" / "scripts" / "latin1.py").write_bytes(b"print('caf\xe9')\n")
    (tmp_path / "outside.py").write_text("print('outside')\n")
    os.symlink(tmp_path / "outside.py", tmp_path / "repo" / "scripts" / "link.py")
    reader = ScriptReader(tmp_path / "repo")
    found = reader.read("./scripts/../scripts/ok.py")
    assert isinstance(found, ScriptFile)
    assert (found.path, found.content) == ("scripts/ok.py", "print('ok')\n")
    assert len(found.sha256) == 64
    assert reader.read("scripts/link.py") == "must stay inside the repository"
    assert reader.read("../outside.py") == "must stay inside the repository"
    assert reader.read("/etc/passwd") == "must be a path relative to the repository root (or an https:// URL)"
    assert reader.read("scripts") == "'scripts' is not a file"
    assert reader.read("scripts/latin1.py") == "script is not UTF-8 text"
    assert str(reader.read("scripts/big.py")).startswith("script is 65,537 bytes; local scripts are shipped inline")


def test_every_file_is_checked_and_every_error_reported_in_one_run(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "a": IMAGE_JOB.format(name="a") + "flavor: gpu\nschedule: '61 * * * *'\n",
        "b": "name: [broken\n",
        "c": IMAGE_JOB.format(name="c") + f"env: {{T: {TOKEN}}}\nlabels: {{name: x}}\n---\n- not a mapping\n",
        "d": IMAGE_JOB.format(name="a") + "suspend: true\n",
        "e": IMAGE_JOB.format(name="e"),
    })
    result = check(root)
    assert [f"{i.file}:{i.line}:{i.field}" for i in result.issues] == [
        "jobs/a.yaml:5:flavor", "jobs/a.yaml:6:schedule", "jobs/b.yaml:2:", "jobs/c.yaml:5:env.T",
        "jobs/c.yaml:6:labels.name", "jobs/c.yaml:8:", "jobs/d.yaml:2:name", "jobs/d.yaml:5:suspend",
    ]
    assert (result.jobs, len(result.files), result.ok) == (1, 5, False)


def test_semantic_checks_still_run_on_fields_that_passed_the_schema(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a") + (
        "flavor: gpu\nschedule: '99 * * * *'\nvolumes:\n  - {type: bucket, source: a/b, mount_path: /x}\n"
        "  - {type: bucket, source: a/c, mount_path: /x}\nexpose: [1]\nexpose_public: [1]\n")})
    assert [issue.split(": error: ")[1].split(":")[0] for issue in messages(root)] == [
        "flavor", "schedule", "volumes[1].mount_path", "expose_public[0]",
    ]


def test_a_name_is_unique_across_files_even_when_both_documents_have_other_errors(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "a": IMAGE_JOB.format(name="same") + "flavor: gpu\n",
        "b": IMAGE_JOB.format(name="same") + "attempts: 0\n",
        "c": IMAGE_JOB.format(name="other"),
    })
    found = messages(root)
    assert "jobs/b.yaml:2:7: error: name: 'same' is already used by jobs/a.yaml:1; names must be unique in the " \
           "project" in found
    assert len(found) == 3


def test_names_are_compared_after_rendering(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "a": "apiVersion: hfjobs/v1\nname: '{{ vars.prefix }}-job'\nimage: x\ncommand: [x]\n",
        "b": IMAGE_JOB.format(name="p-job"),
    }, project=PROJECT_HEADER + "vars: {prefix: p}\n")
    assert messages(root) == [
        "jobs/b.yaml:2:7: error: name: 'p-job' is already used by jobs/a.yaml:1; names must be unique in the project",
    ]


def test_only_valid_jobs_become_specs(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a"), "b": IMAGE_JOB.format(name="b") + "flavor: x\n"})
    result = check(root)
    assert (result.jobs, len(result.issues)) == (1, 1)


@pytest.mark.parametrize(
    ("schedule", "valid"),
    [("@hourly", True), ("@daily", True), ("@weekly", True), ("@monthly", True), ("@yearly", True),
     ("@annually", True), ("@reboot", False), ("@midnight", False), ("0 3 * * *", True), ("*/5 * * * *", True),
     ("0 0 1 jan mon", True), ("0 0 31 2 *", True), ("0 25 * * *", False), ("* * * * * *", False),
     ("0 3 * * 8", False), ("a b c d e", False), ("0 3 * *  *", True)],
)
def test_cron_schedules(tmp_path: Path, schedule: str, valid: bool) -> None:
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a") + f"schedule: '{schedule}'\n"})
    assert check(root).ok is valid, messages(root)


@pytest.mark.parametrize(
    ("script", "ok"),
    [("https://example.com/a.py", True), ("https://huggingface.co/x/resolve/main/a.py", True),
     ("http://example.com/a.py", False), ("scripts/run.py", True), ("./scripts/run.py", True),
     ("scripts/../scripts/run.py", True), ("scripts/missing.py", False), ("../run.py", False)],
)
def test_script_locations(tmp_path: Path, script: str, ok: bool) -> None:
    root = write_project(tmp_path, {"a": f"apiVersion: hfjobs/v1\nname: a\nscript: '{script}'\n"},
                         files={"scripts/run.py": "print(1)\n"})
    assert check(root).ok is ok, messages(root)


def test_script_content_is_part_of_the_spec(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": "apiVersion: hfjobs/v1\nname: a\nscript: scripts/run.py\n"},
                         files={"scripts/run.py": "print(1)\n"})
    before = specs(root)["a"]
    (root / "scripts" / "run.py").write_text("print(2)\n")
    after = specs(root)["a"]
    assert before.script is not None and after.script is not None
    assert before.script.content == "print(1)\n" and after.script.content == "print(2)\n"
    assert before.spec_hash != after.spec_hash


@pytest.mark.parametrize(
    ("value", "rejected"),
    [(TOKEN, True), (f"Bearer {TOKEN}", True), (f"x={TOKEN};", True), ("hf_" + "a" * 29, False),
     ("hf_transfer", False), ("HF_HUB_ENABLE_HF_TRANSFER", False), ("$HF_TOKEN", False), ("shf_" + "a" * 40, False),
     (f"{TOKEN}_suffix", True), (f"{TOKEN}-suffix", True)],
)
def test_token_looking_env_values(tmp_path: Path, value: str, rejected: bool) -> None:
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a") + f"env: {{V: '{value}'}}\n"})
    found = messages(root)
    assert bool(found) is rejected, found
    assert all(value not in line for line in found)


@pytest.mark.parametrize(
    ("label", "reserved"),
    [("name", True), ("hfjobs-project", True), ("hfjobs-", True), ("hfjobs-anything", True), ("Name", False),
     ("names", False), ("hfjobs", False), ("hfjobs_x", False), ("my-hfjobs-x", False)],
)
def test_reserved_label_keys(tmp_path: Path, label: str, reserved: bool) -> None:
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a") + f"labels: {{{label}: x}}\n"})
    assert check(root).ok is not reserved, messages(root)


@pytest.mark.parametrize(
    ("mounts", "ok"),
    [(["/a", "/b"], True), (["/a", "/a/b"], True), (["/a", "/a/"], False), (["/a", "//a"], False),
     (["/a/./b"], True), (["/a/b", "/a/./b"], False), (["/"], False), (["/."], False), (["//"], False),
     (["/a/../b"], False), (["a"], False)],
)
def test_mount_paths(tmp_path: Path, mounts: list[str], ok: bool) -> None:
    volumes = "".join(f"  - {{type: bucket, source: o/b{i}, mount_path: '{m}'}}\n" for i, m in enumerate(mounts))
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a") + "volumes:\n" + volumes})
    assert check(root).ok is ok, messages(root)


@pytest.mark.parametrize(("label", "ok"), [("9" * 100, True), ("9" * 101, False), ("-" + "9" * 99, True)])
def test_a_number_as_a_label_value_fits_the_label_length(tmp_path: Path, label: str, ok: bool) -> None:
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a") + f"labels: {{n: {label}}}\n"})
    expected = [] if ok else ["jobs/a.yaml:5:13: error: labels.n: must be at most 100 characters"]
    assert messages(root) == expected


@pytest.mark.parametrize(("timeout", "ok"), [(604800, True), ("7d", True), ("168h", True), ("10080m", True),
                                             (604801, False), ("7.01d", False), ("169h", False), ("604801s", False)])
def test_timeouts_are_at_most_seven_days(tmp_path: Path, timeout: int | str, ok: bool) -> None:
    root = write_project(tmp_path, {"a": IMAGE_JOB.format(name="a") + f"timeout: {timeout}\n"})
    expected = [] if ok else ["jobs/a.yaml:5:10: error: timeout: must be at most 7d (604,800 seconds)"]
    assert messages(root) == expected
