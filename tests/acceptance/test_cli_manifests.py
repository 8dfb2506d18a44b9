"""`hfjobs-spec validate | render | schema` as users run them: through click, the entry point, and a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hfjobs_spec.cli import cli
from hfjobs_spec.manifest.schema import schema_text
from tests.manifest.helpers import PROJECT_HEADER, REPO_ROOT, TOKEN, run_main, write_project

VALID_JOB = "apiVersion: hfjobs/v1\nname: {name}\nimage: python:3.12\ncommand: [python, -V]\n"


def python_m(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m hfjobs_spec ARGS` in a real process."""
    return subprocess.run([sys.executable, "-m", "hfjobs_spec", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60, check=False)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A project with a valid job and two invalid files."""
    return write_project(tmp_path, {
        "good": VALID_JOB.format(name="good"),
        "bad": VALID_JOB.format(name="bad") + "flavor: a10g-huge\n",
        "worse": "apiVersion: hfjobs/v1\nname: worse\nimage: x\ncommand: [x]\nschedule: 'every day'\n",
    })


# -- through click's CliRunner --------------------------------------------------------------------------

def test_validate_the_repository_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output == "11 jobs valid in 7 files\n"


def test_validate_reports_every_file_and_exits_1(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.output == (
        "jobs/bad.yaml:5:9: error: flavor: 'a10g-huge' is not a known flavor; did you mean 'a10g-large'?\n"
        "jobs/worse.yaml:5:11: error: schedule: 'every day' must be a 5-field cron expression or one of @hourly, "
        "@daily, @weekly, @monthly, @yearly, @annually\n"
        "2 errors in 2 of 3 files\n"
    )


def test_validate_json_report(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken)
    result = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document == {
        "format_version": 1,
        "valid": False,
        "files": ["jobs/bad.yaml", "jobs/good.yaml", "jobs/worse.yaml"],
        "jobs": 1,
        "errors": [
            {"file": "jobs/bad.yaml", "line": 5, "column": 9, "field": "flavor",
             "message": "'a10g-huge' is not a known flavor; did you mean 'a10g-large'?"},
            {"file": "jobs/worse.yaml", "line": 5, "column": 11, "field": "schedule",
             "message": "'every day' must be a 5-field cron expression or one of @hourly, @daily, @weekly, @monthly, "
                        "@yearly, @annually"},
        ],
        "warnings": [],
    }
    ok = CliRunner().invoke(cli, ["validate", "--format", "json", "jobs/good.yaml"])
    assert ok.exit_code == 0
    assert json.loads(ok.output) == {"format_version": 1, "valid": True, "files": ["jobs/good.yaml"], "jobs": 1,
                                     "errors": [], "warnings": []}


def test_validate_github_annotations(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(broken.parent))
    result = CliRunner().invoke(cli, ["validate", "--format", "github"])
    assert result.exit_code == 1
    prefix = f"{broken.name}/jobs/"
    assert result.output.splitlines() == [
        f"::error file={prefix}bad.yaml,line=5,col=9,title=hfjobs-spec%3A flavor::'a10g-huge' is not a known flavor; "
        "did you mean 'a10g-large'?",
        f"::error file={prefix}worse.yaml,line=5,col=11,title=hfjobs-spec%3A schedule::'every day' must be a 5-field "
        "cron expression or one of @hourly, @daily, @weekly, @monthly, @yearly, @annually",
    ]
    ok = CliRunner().invoke(cli, ["validate", "--format", "github", "jobs/good.yaml"])
    assert ok.exit_code == 0
    assert ok.output.startswith("1 job")  # the exact summary: test_github_format_summary_agrees_with_text


def test_github_format_summary_agrees_with_text(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken)
    result = CliRunner().invoke(cli, ["validate", "--format", "github", "jobs/good.yaml"])
    assert result.output == "1 job valid in 1 file\n"


def test_validate_given_files_and_folders(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken / "jobs")
    assert CliRunner().invoke(cli, ["validate", "good.yaml"]).output == "1 job valid in 1 file\n"
    result = CliRunner().invoke(cli, ["validate", "good.yaml", "."])
    assert result.exit_code == 1 and result.output.endswith("2 errors in 2 of 3 files\n")
    missing = CliRunner().invoke(cli, ["validate", "nope.yaml"])
    assert (missing.exit_code, missing.output) == (
        1, "jobs/nope.yaml:1:1: error: cannot read file: No such file or directory\n1 error in 1 of 1 file\n")


def test_project_options_before_or_after_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path / "proj", {"a": VALID_JOB.format(name="a") + "flavor: '{{ vars.flavor }}'\n"},
                  project=PROJECT_HEADER + "vars: {flavor: gpu}\nenvironments:\n  prod:\n"
                                           "    vars: {flavor: a100-large}\n",
                  files={"v.yaml": "flavor: t4-small\n"})
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["--project-dir", "proj", "validate"]).exit_code == 1
    for args in (["--project-dir", "proj", "-E", "prod", "validate"],
                 ["validate", "--project-dir", "proj", "-E", "prod"],
                 ["--project-dir", "proj", "validate", "--var", "flavor=cpu-basic"],
                 ["--project-dir", "proj", "--values", "proj/v.yaml", "validate"],
                 ["--var", "flavor=gpu", "--project-dir", "proj", "validate", "--var", "flavor=h200"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
    rendered = runner.invoke(cli, ["--project-dir", "proj", "--values", "proj/v.yaml", "render", "--format", "json"])
    assert json.loads(rendered.output)["jobs"][0]["flavor"] == "t4-small"


def test_var_values_are_typed_like_yaml(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": VALID_JOB.format(name="a") + "attempts: '{{ vars.n }}'\n"
                                    "env: {N: '{{ vars.n }}', S: '{{ vars.s }}'}\n"})
    result = run_main(["--var", "n=3", "--var", "s='3'", "render", "--format", "json"], root)
    job = json.loads(result.out)["jobs"][0]
    assert (job["attempts"], job["env"]) == (3, {"N": "3", "S": "3"})
    quoted = run_main(["--var", "n='3'", "validate"], root)
    assert quoted.code == 1
    assert "jobs/a.yaml:5:11: error: attempts: must be an integer, not a string" in quoted.out


def test_render_json_and_yaml_describe_the_same_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    as_json = json.loads(CliRunner().invoke(cli, ["render", "--format", "json"]).output)
    as_yaml = list(yaml.safe_load_all(CliRunner().invoke(cli, ["render"]).output))
    assert as_json["format_version"] == 1
    assert [job["name"] for job in as_json["jobs"]] == ["dataset-stats", "dev-report", "finetune", "nightly-eval",
                                                       "refresh-stats", "ring-master", "ring-worker", "smoke-test",
                                                       "sweep-distilgpt2-0-001-d0854e", "sweep-gpt2-0-001-29ab0a",
                                                       "sweep-gpt2-0-003-96ba16"]
    assert as_json["jobs"] == as_yaml


def test_schema_command_prints_the_published_files(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in ("job", "project"):
        result = CliRunner().invoke(cli, ["schema", kind])
        assert result.output == schema_text(kind) == (REPO_ROOT / "schemas" / f"{kind}.schema.json").read_text()
    assert CliRunner().invoke(cli, ["schema"]).output == schema_text("job")


# -- through the entry point with the error boundary -----------------------------------------------------

def test_render_of_invalid_manifests_reports_them_and_exits_1(broken: Path) -> None:
    result = run_main(["render"], broken)
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines()[-1] == "Error: 2 manifest errors"
    assert "jobs/bad.yaml:5:9: error: flavor:" in result.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-E", "nope", "validate"], "Error: unknown environment 'nope': hfjobs.yaml defines no environments"),
        (["--var", "x", "validate"], "Error: --var 'x': expected KEY=VALUE with KEY like name or section.name"),
        (["--values", "none.yaml", "render"], "Error: --values file none.yaml does not exist"),
        (["validate", "--format", "xml"], "Error: Invalid value for '--format': 'xml' is not one of 'text', 'json', "
                                          "'github'."),
        (["--project-dir", "nowhere", "validate"], "Error: no hfjobs.yaml in nowhere"),
    ],
)
def test_usage_and_project_errors_exit_1_with_one_clear_line(broken: Path, argv: list[str], message: str) -> None:
    result = run_main(argv, broken)
    assert result.code == 1
    assert message in result.err.splitlines()
    assert "Traceback" not in result.err


def test_bad_files_are_errors_at_file_and_line_not_crashes(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"ok": VALID_JOB.format(name="ok")})
    (root / "jobs" / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (root / "jobs" / "huge.yaml").write_bytes(b"# " + b"x" * 1_000_000)
    (root / "jobs" / "latin1.yaml").write_bytes(b"apiVersion: hfjobs/v1\nname: caf\xe9\n")
    (root / "jobs" / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000)
    result = run_main(["validate"], root)
    assert result.code == 1
    lines = result.out.splitlines()
    # libyaml stops at its own depth limit (column 1003); the pure-Python parser at Python's recursion limit.
    assert lines[1].startswith("jobs/deep.yaml:1:")
    assert lines[1].endswith(": error: document is nested too deeply (at most 64 levels)")
    assert lines[:1] + lines[2:] == [
        "jobs/binary.yaml:1:1: error: file is binary, not YAML text",
        "jobs/huge.yaml:1:1: error: file is larger than 1,000,000 bytes; is it a manifest?",
        "jobs/latin1.yaml:2:1: error: file is not valid UTF-8 text",
        "4 errors in 4 of 5 files",
    ]


# -- secrets never leak ----------------------------------------------------------------------------------

LEAKY = f"""\
apiVersion: hfjobs/v1
name: leaky
image: python:3.12
command: [python, -V]
env:
  TOKEN: {TOKEN}
  ALSO: "Bearer {TOKEN}"
  FROM_ENV: "{{{{ env('MY_TOKEN') }}}}"
secrets:
  HF_TOKEN: {TOKEN}
  OTHER: "{TOKEN}"
labels:
  note: "{{{{ {TOKEN} }}}}"
"""


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--format", "json"], ["validate", "--format", "github"],
                                  ["render"], ["render", "--format", "json"]])
def test_a_token_in_secrets_or_env_never_appears_in_any_output(tmp_path: Path, argv: list[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path, {"leaky": LEAKY})
    monkeypatch.setenv("MY_TOKEN", TOKEN)
    result = run_main(argv, root)
    assert result.code == 1
    assert TOKEN not in result.out + result.err
    assert TOKEN[3:20] not in result.out + result.err
    output = result.out + result.err
    for expected in ("env.TOKEN", "looks like a Hugging Face token", "env.ALSO", "env.FROM_ENV", "secrets.HF_TOKEN",
                     "secrets.OTHER", "must be a reference", "labels.note"):
        assert expected in output


def test_render_shows_secret_references_never_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path, {"job": VALID_JOB.format(name="job") + "secrets:\n  HF_TOKEN: $HF_TOKEN\n"
                                    "  WANDB: ${WANDB_KEY}\n  LISTED: $LISTED\n"})
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("WANDB_KEY", "wandb-secret-value")
    monkeypatch.setenv("LISTED", "listed-secret-value")
    for fmt in ("yaml", "json"):
        result = run_main(["render", "--format", fmt], root)
        assert result.code == 0, result.err
        for secret in (TOKEN, "wandb-secret-value", "listed-secret-value"):
            assert secret not in result.out
    document = json.loads(run_main(["render", "--format", "json"], root).out)
    assert document["jobs"][0]["secrets"] == {"HF_TOKEN": "$HF_TOKEN", "LISTED": "$LISTED", "WANDB": "$WANDB_KEY"}


# -- as a real process -----------------------------------------------------------------------------------

def test_subprocess_validate_and_exit_codes(broken: Path) -> None:
    ok = python_m("validate", cwd=REPO_ROOT)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "11 jobs valid in 7 files\n", "")
    bad = python_m("validate", cwd=broken)
    assert bad.returncode == 1
    assert bad.stdout.endswith("2 errors in 2 of 3 files\n")
    usage = python_m("validate", "--no-such-option", cwd=REPO_ROOT)
    assert usage.returncode == 1 and "Error: No such option '--no-such-option'." in usage.stderr
    version = python_m("--version", cwd=REPO_ROOT)
    assert version.returncode == 0 and version.stdout.startswith("hfjobs-spec, version ")


def test_subprocess_render_is_byte_identical_across_runs(tmp_path: Path) -> None:
    for fmt in ("yaml", "json"):
        first = python_m("-E", "prod", "render", "--format", fmt, cwd=REPO_ROOT)
        second = python_m("-E", "prod", "render", "--format", fmt, cwd=REPO_ROOT,
                          env={"PYTHONHASHSEED": "12345", "LC_ALL": "C"})
        assert first.returncode == 0, first.stderr
        assert first.stdout == second.stdout
        assert first.stdout.count("spec_hash") == 11


def test_subprocess_sandbox_escape_is_a_located_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"evil": VALID_JOB.format(name="evil") + (
        "env:\n"
        "  A: \"{{ ''.__class__.__mro__ }}\"\n"
        "  B: \"{{ cycler.__init__.__globals__ }}\"\n"
        "  C: \"{{ lipsum.__globals__ }}\"\n")})
    result = python_m("validate", cwd=root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "jobs/evil.yaml:6:6: error: env.A: unsafe template: access to attribute '__class__' of 'str' object is unsafe.",
        "jobs/evil.yaml:7:6: error: env.B: undefined in template: 'cycler' is undefined",
        "jobs/evil.yaml:8:6: error: env.C: undefined in template: 'lipsum' is undefined",
        "3 errors in 1 of 1 file",
    ]
    assert result.stderr == ""


IMPORT_CHECK = """\
import sys
from hfjobs_spec.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('huggingface_hub', 'requests', 'httpx', 'httpx2'))
print(repr(loaded), file=sys.stderr)
raise SystemExit(code)
"""


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--format", "json"], ["render"], ["schema", "project"]])
def test_manifest_commands_never_import_huggingface_hub(argv: list[str]) -> None:
    result = subprocess.run([sys.executable, "-c", IMPORT_CHECK, *argv], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "[]"


def test_importtime_of_validate_shows_no_hub_client() -> None:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "hfjobs_spec", "validate"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert "hfjobs_spec.manifest" in result.stderr
    assert "huggingface_hub" not in result.stderr


# -- hostile input: every bad value is a located error, never a crash ----------------------------------------

CRASH_MARKERS = ("Traceback", "Unexpected error", "This is a bug")
HUGE = "9" * 5000


def assert_refused(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 1 with each `expected` line printed, and no sign of a crash."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    for line in expected:
        assert line in output.splitlines(), f"{line!r} not in:\n{output}"
    for marker in CRASH_MARKERS:
        assert marker not in output, output


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        ({"jobs/a.yaml": VALID_JOB.format(name="a") + f"env: {{A: {HUGE}}}\n"}, [],
         "jobs/a.yaml:5:10: error: env.A: number is longer than 1,000 characters; write it in quotes to keep it as "
         "text"),
        ({"hfjobs.yaml": PROJECT_HEADER + f"vars: {{n: {HUGE}}}\n"}, [],
         "hfjobs.yaml:3:11: error: vars.n: number is longer than 1,000 characters; write it in quotes to keep it as "
         "text"),
        ({"v.yaml": f"n: {HUGE}\n"}, ["--values", "v.yaml"],
         "v.yaml:1:4: error: n: number is longer than 1,000 characters; write it in quotes to keep it as text"),
        ({}, ["--var", f"n={HUGE}"],
         "Error: --var n: number is longer than 1,000 characters; write it in quotes to keep it as text"),
        # This one used to pass validate and crash render (a 12,000-digit int has no decimal text in Python).
        ({"jobs/a.yaml": VALID_JOB.format(name="a") + "attempts: '{{ (2**200)**200 }}'\n"}, [],
         "jobs/a.yaml:5:11: error: attempts: template refused: the power would have more than 1,000 digits"),
        ({"jobs/a.yaml": VALID_JOB.format(name="a") + f"env: {{A: '{{{{ {' * '.join(['10**250'] * 5)} }}}}'}}\n"},
         [], "jobs/a.yaml:5:10: error: env.A: template refused: the product would have more than 1,000 digits"),
        ({"jobs/a.yaml": VALID_JOB.format(name="a") + "env: {A: '{{ 2**(2**40) }}', B: '{{ 10**(10**9) }}'}\n"}, [],
         "jobs/a.yaml:5:10: error: env.A: template refused: exponent 1099511627776 is too large"),
        ({"jobs/a.yaml": VALID_JOB.format(name="a") + "env: {B: '{{ 10**(10**9) }}'}\n"}, [],
         "jobs/a.yaml:5:10: error: env.B: template refused: exponent 1000000000 is too large"),
    ],
    ids=["manifest", "project-vars", "values-file", "var", "template-power", "template-product", "tower-2",
         "tower-10"],
)
def test_numbers_too_long_for_python_are_located_errors(tmp_path: Path, files: dict[str, str], args: list[str],
                                                       expected: str) -> None:
    root = write_project(tmp_path, {"a": VALID_JOB.format(name="a")}, files=files)
    assert_refused(python_m(*args, "validate", cwd=root), expected)
    if "template" in expected:  # these passed validate, then crashed render
        assert_refused(python_m(*args, "render", cwd=root), expected)


def test_power_towers_evaluate_left_to_right_and_stay_small(tmp_path: Path) -> None:
    """Jinja reads `2**2**40` as `(2**2)**40`: cheap, and not refused. The sandbox bounds the other reading."""
    root = write_project(tmp_path, {"a": VALID_JOB.format(name="a") +
                                    "env: {A: '{{ 2**2**40 }}', B: '{{ 10**10**9 }}'}\n"})
    result = python_m("render", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["jobs"][0]["env"] == {"A": str(4**40), "B": str(10**90)}


def test_nul_characters_in_paths_are_located_errors(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "a": "apiVersion: hfjobs/v1\nname: a\nscript: \"scripts/a\\u0000.py\"\n",
        "b": VALID_JOB.format(name="b") + "volumes:\n  - {type: model, source: o/m, mount_path: \"/m\\0\"}\n",
    }, files={"scripts/a.py": "print(1)\n"})
    assert_refused(
        python_m("validate", cwd=root),
        "jobs/a.yaml:3:9: error: script: must not contain a NUL character (no command line, environment or path can "
        "hold one)",
        "jobs/b.yaml:6:44: error: volumes[0].mount_path: must not contain a NUL character (no command line, "
        "environment or path can hold one)",
    )
    (root / "hfjobs.yaml").write_text(PROJECT_HEADER + "jobs_dir: \"jo\\u0000bs\"\n")
    assert_refused(python_m("render", cwd=root),
                   "hfjobs.yaml:3:11: error: jobs_dir: contains a NUL character, which no file name can hold")


def test_attempts_and_timeout_are_bounded(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "many": VALID_JOB.format(name="many") + "attempts: 11\n",
        "long": VALID_JOB.format(name="long") + "timeout: 604801\n",
        "days": VALID_JOB.format(name="days") + "timeout: 8d\n",
        "hours": VALID_JOB.format(name="hours") + "timeout: 168.5h\n",
        "absurd": VALID_JOB.format(name="absurd") + f"timeout: '{HUGE}d'\n",
        "float": VALID_JOB.format(name="float") + "timeout: 90.0\nattempts: 2.0\n",
        "edge": VALID_JOB.format(name="edge") + "timeout: 7d\nattempts: 10\n",
    })
    too_long = "timeout: must be at most 7d (604,800 seconds)"
    assert_refused(
        python_m("validate", cwd=root),
        "jobs/many.yaml:5:11: error: attempts: must be at most 10",
        f"jobs/long.yaml:5:10: error: {too_long}",
        f"jobs/days.yaml:5:10: error: {too_long}",
        f"jobs/hours.yaml:5:10: error: {too_long}",
        f"jobs/absurd.yaml:5:10: error: {too_long}",
        "jobs/float.yaml:5:10: error: timeout: must be an integer or a string, not a number",
        "jobs/float.yaml:6:11: error: attempts: must be an integer, not a number",
        "7 errors in 6 of 7 files",
    )
    edge = python_m("render", "--format", "json", "jobs/edge.yaml", cwd=root)
    assert edge.returncode == 0, edge.stderr
    assert {k: json.loads(edge.stdout)["jobs"][0][k] for k in ("timeout", "attempts")} == {"timeout": 604800,
                                                                                          "attempts": 10}


def test_the_environment_name_default_is_reserved(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": VALID_JOB.format(name="a")},
                         project=PROJECT_HEADER + "environments:\n  default: {}\n")
    assert_refused(python_m("validate", cwd=root),
                   "hfjobs.yaml:4:3: error: environments.default: key 'default' is reserved: it is the environment of "
                   "jobs applied without -E (their label hfjobs-environment is 'default'); choose another name")
    (root / "hfjobs.yaml").write_text(PROJECT_HEADER + "environments:\n  prod: {}\n")
    assert_refused(python_m("-E", "default", "render", cwd=root),
                   "Error: -E default: 'default' is reserved for jobs applied without -E; leave out -E to use the "
                   "project's own settings")


@pytest.mark.parametrize(
    ("jobs_dir", "message"),
    [
        ("../elsewhere", "leads outside the project (through '..', an absolute path or a symlink)"),
        ("linked", "leads outside the project (through '..', an absolute path or a symlink)"),
        ("/ABSOLUTE", "must be a folder relative to the project root, not an absolute path"),
    ],
)
def test_jobs_dir_must_stay_inside_the_project(tmp_path: Path, jobs_dir: str, message: str) -> None:
    outside = write_project(tmp_path / "elsewhere", {"x": VALID_JOB.format(name="x")})
    root = tmp_path / "project"
    write_project(root, {"a": VALID_JOB.format(name="a")},
                  project=PROJECT_HEADER + f"jobs_dir: {jobs_dir.replace('/ABSOLUTE', str(outside / 'jobs'))}\n")
    (root / "linked").symlink_to(outside / "jobs")
    assert_refused(python_m("validate", cwd=root), f"hfjobs.yaml:3:11: error: jobs_dir: {message}")


def test_links_out_of_the_project_are_never_read(tmp_path: Path) -> None:
    """A pull request can add symlinks; none of them makes validate read, or render print, an outside file."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "private.yaml").write_text("apiVersion: hfjobs/v1\nname: private\nimage: x\ncommand: [cat]\n"
                                          "labels: {stolen: private-value}\n")
    (outside / "folder" / "run.py").write_text("print('private-script')\n")
    root = write_project(tmp_path / "project", {"ok": VALID_JOB.format(name="ok")}, files={
        "jobs/link.yaml": "apiVersion: hfjobs/v1\nname: link\nscript: scripts/link.py\n---\n"
                          "apiVersion: hfjobs/v1\nname: via-folder\nscript: scripts/folder/run.py\n---\n"
                          "apiVersion: hfjobs/v1\nname: loop\nscript: scripts/loop.py\n",
        "scripts/.keep": "",
    })
    (root / "jobs" / "evil.yaml").symlink_to(outside / "private.yaml")
    (root / "scripts" / "link.py").symlink_to(outside / "folder" / "run.py")
    (root / "scripts" / "folder").symlink_to(outside / "folder")
    (root / "scripts" / "loop.py").symlink_to("loop.py")
    for command in (["validate"], ["render", "--format", "json"]):
        result = python_m(*command, cwd=root)
        assert_refused(
            result,
            "jobs/evil.yaml:1:1: error: is a symlink to a file outside the project; manifests must live in it",
            "jobs/link.yaml:3:9: error: script: must stay inside the repository",
            "jobs/link.yaml:7:9: error: script: must stay inside the repository",
            "jobs/link.yaml:11:9: error: script: the path is a symlink loop",
        )
        assert "private" not in result.stdout + result.stderr


# -- secrets cannot be laundered through templates -----------------------------------------------------------

WANDB_VALUE = "wandb-secret-0123456789abcdef"
SOURCE_VALUE = "source-secret-value-42"
PROD_VALUE = "prod-secret-value-77"
TEMPLATED_VALUE = "templated-secret-value-9"
SHAPED_VALUE = "hf_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210"
SECRET_VALUES = (TOKEN, WANDB_VALUE, SOURCE_VALUE, PROD_VALUE, TEMPLATED_VALUE, SHAPED_VALUE)
SECRET_ENVIRON = {"HF_TOKEN": TOKEN, "HUGGING_FACE_HUB_TOKEN": TOKEN, "WANDB_API_KEY": WANDB_VALUE,
                  "SOURCE": SOURCE_VALUE, "PROD_KEY": PROD_VALUE, "FROM_TEMPLATE": TEMPLATED_VALUE,
                  "INNOCENT": SHAPED_VALUE}
LAUNDERING = {
    "launder": VALID_JOB.format(name="launder").replace(
        "command: [python, -V]",
        "command: [echo, \"{{ env('HF_TOKEN') }}\", \"{{ env('HUGGING_FACE_HUB_TOKEN') }}\"]") +
    "labels: {a: \"{{ env('WANDB_API_KEY') }}\", b: \"{{ env('SOURCE') }}\", c: \"{{ env('PROD_KEY') }}\"}\n"
    "env: {A: \"{{ env('FROM_TEMPLATE') }}\", B: \"x{{ env('INNOCENT') }}\"}\n",
    "owners": VALID_JOB.format(name="list-owner") + "secrets: [WANDB_API_KEY]\n---\n"
    + VALID_JOB.format(name="map-owner") + "secrets: {TARGET: \"${SOURCE}\"}\n---\n"
    + VALID_JOB.format(name="templated-owner") + "secrets: {OTHER: \"${{ vars.source }}\"}\n",
}
LAUNDERING_PROJECT = (PROJECT_HEADER + "vars: {source: FROM_TEMPLATE}\nenvironments:\n  prod:\n    defaults:\n"
                      "      secrets: {PROD_KEY: $PROD_KEY}\n")


@pytest.fixture
def laundering(tmp_path: Path) -> Path:
    return write_project(tmp_path, LAUNDERING, project=LAUNDERING_PROJECT)


def test_env_refuses_every_secret_with_a_located_error_naming_the_variable(laundering: Path) -> None:
    result = python_m("validate", cwd=laundering, env=SECRET_ENVIRON)
    refused = "refused: {name} {why}, and templates never read secrets; pass it to the job instead " \
              "(secrets: {{{name}: ${name}}})"
    hub, named = "holds the Hub token", "is named under secrets: in this project"
    assert_refused(
        result,
        f"jobs/launder.yaml:4:17: error: command[1]: env('HF_TOKEN') {refused.format(name='HF_TOKEN', why=hub)}",
        f"jobs/launder.yaml:4:42: error: command[2]: env('HUGGING_FACE_HUB_TOKEN') "
        f"{refused.format(name='HUGGING_FACE_HUB_TOKEN', why=hub)}",
        f"jobs/launder.yaml:5:13: error: labels.a: env('WANDB_API_KEY') "
        f"{refused.format(name='WANDB_API_KEY', why=named)}",
        f"jobs/launder.yaml:5:46: error: labels.b: env('SOURCE') {refused.format(name='SOURCE', why=named)}",
        # A secret of another environment's defaults is still a secret.
        f"jobs/launder.yaml:5:72: error: labels.c: env('PROD_KEY') {refused.format(name='PROD_KEY', why=named)}",
        # Known only once `${{ vars.source }}` is rendered, and still refused.
        f"jobs/launder.yaml:6:10: error: env.A: env('FROM_TEMPLATE') "
        f"{refused.format(name='FROM_TEMPLATE', why=named)}",
        "jobs/launder.yaml:6:43: error: env.B: env('INNOCENT') refused: its value looks like a Hugging Face token, "
        "and templates never read secrets; pass it to the job instead (secrets: {INNOCENT: $INNOCENT})",
    )


def test_rendering_one_file_still_knows_the_secrets_of_the_others(laundering: Path) -> None:
    result = python_m("render", "jobs/launder.yaml", cwd=laundering, env=SECRET_ENVIRON)
    assert_refused(result, "Error: 7 manifest errors")
    assert "env('WANDB_API_KEY') refused" in result.stderr


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--format", "json"], ["validate", "--format", "github"],
                                  ["render"], ["render", "--format", "json"], ["--debug", "render"],
                                  ["-E", "prod", "--debug", "validate", "--format", "json"],
                                  ["render", "jobs/launder.yaml"]])
def test_no_secret_value_appears_in_any_output(laundering: Path, argv: list[str]) -> None:
    result = python_m(*argv, cwd=laundering, env=SECRET_ENVIRON)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    for value in SECRET_VALUES:
        assert value not in output
    # --debug shows the traceback (with its causes) of known errors too; it must still hold no value.
    for marker in CRASH_MARKERS[1:] if "--debug" in argv else CRASH_MARKERS:
        assert marker not in output


@pytest.mark.parametrize("argv", [["validate"], ["render", "--format", "json"], ["--debug", "validate", "--format",
                                                                                  "github"]])
def test_a_token_in_any_field_is_an_error_that_never_quotes_it(tmp_path: Path, argv: list[str]) -> None:
    root = write_project(tmp_path, {
        "image": f"apiVersion: hfjobs/v1\nname: image\nimage: registry.example/{TOKEN}\ncommand: [x]\n",
        "command": VALID_JOB.format(name="command").replace("[python, -V]", f"[curl, -H, 'Bearer {TOKEN}']"),
        "script": "apiVersion: hfjobs/v1\nname: script\nscript: scripts/a.py\nscript_args: ['{{ vars.t }}']\n",
        "labels": VALID_JOB.format(name="labels") + f"labels: {{note: {TOKEN}}}\n",
        "schedule": VALID_JOB.format(name="schedule") + f"schedule: '{TOKEN} * * * *'\n",
    }, files={"scripts/a.py": "print(1)\n"})
    result = python_m("--var", f"t={TOKEN}", *argv, cwd=root)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert TOKEN not in output and TOKEN[3:20] not in output
    for marker in CRASH_MARKERS:
        assert marker not in output
    if argv == ["validate"]:
        found = "holds what looks like a Hugging Face token"
        for where in ("jobs/image.yaml:3:8: error: image:", "jobs/command.yaml:4:21: error: command[2]:",
                      "jobs/script.yaml:4:15: error: script_args[0]:", "jobs/labels.yaml:5:16: error: labels.note:",
                      "jobs/schedule.yaml:5:11: error: schedule:"):
            assert any(line.startswith(where) and found in line for line in output.splitlines()), where


def test_newlines_in_file_names_and_keys_cannot_forge_output_lines(tmp_path: Path) -> None:
    """Git stores any file name; CI runners obey `::command::` lines on stdout. Neither gets through raw."""
    forged = "\n::add-mask::forged\n"
    root = write_project(tmp_path, {"ok": VALID_JOB.format(name="ok")}, files={
        f"jobs/x{forged}.yaml": "apiVersion: hfjobs/v1\nname: x\nimage: x\ncommand: [x]\nflavor: nope\n",
        "jobs/keys.yaml": VALID_JOB.format(name="keys") + 'env: {"A\\n::add-mask::forged": x}\n'
                          'labels: {"b\\n::add-mask::forged": x}\n',
    })
    for fmt in ("text", "json"):
        result = python_m("validate", "--format", fmt, cwd=root)
        assert result.returncode == 1
        lines = (result.stdout + result.stderr).splitlines()
        assert not [line for line in lines if line.startswith("::")], lines
        for marker in CRASH_MARKERS:
            assert marker not in result.stdout + result.stderr
    text = python_m("validate", cwd=root).stdout
    assert "jobs/x\\n::add-mask::forged\\n.yaml:5:9: error: flavor: 'nope' is not a known flavor" in text
    assert "jobs/keys.yaml:5:7: error: env.A\\n::add-mask::forged: key 'A\\n::add-mask::forged' must be an " \
           "environment variable name" in text


def test_a_lone_surrogate_built_by_a_template_is_a_located_error(tmp_path: Path) -> None:
    """`render --format json` used to die writing it: UTF-8 cannot encode half of a UTF-16 pair."""
    root = write_project(tmp_path, {"a": VALID_JOB.format(name="a").replace(
        "[python, -V]", "[echo, '{{ \"\\ud800\" }}']")})
    for argv in (["render", "--format", "json"], ["render"], ["validate"]):
        assert_refused(python_m(*argv, cwd=root),
                       "jobs/a.yaml:4:17: error: command[1]: must be valid text: it holds a lone surrogate "
                       "(\\ud800-\\udfff), which UTF-8 cannot encode")
