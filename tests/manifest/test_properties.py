"""Properties over random input: validation always answers (valid, or located errors), and never raises."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfjobs_spec.commands.manifests import Validation
from hfjobs_spec.output import specs as spec_output
from hfjobs_spec.output import validation as report
from tests.manifest.helpers import PROJECT_HEADER, TOKEN, check, specs, write_files
from tests.manifest.strategies import SCRIPTS, job_documents, messy_documents, templates, values

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROJECT = PROJECT_HEADER + "vars: {x: 1, nested: {y: [1, 2]}}\npolicy: {allow_public_ports: true}\n"
WITH_DEFAULTS = PROJECT + """\
defaults:
  image: python:3.12
  command: [python, -V]
  env: {A: "{{ vars.x }}", B: 1.10}
  labels: {team: t}
  secrets: [HF_TOKEN]
  suspend: true
  script_args: [--x]
"""


def validate_files(files: dict[str, str], project: str = PROJECT) -> Validation:
    with tempfile.TemporaryDirectory() as folder:
        root = write_files(Path(folder), {"hfjobs.yaml": project, **SCRIPTS})
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8", errors="surrogatepass")
        return check(root)


def assert_answered(result: Validation) -> None:
    """Either valid, or every issue is located in a real file with a message; reports render."""
    for issue in result.issues:
        assert issue.file and issue.line >= 1 and issue.column >= 1
        assert issue.message.strip()
        assert "Traceback" not in issue.message
    assert report.text_report(result.issues, len(result.files), result.jobs)
    assert report.json_report(result.issues, result.files, result.jobs)
    report.github_report(result.issues)


@SETTINGS
@given(docs=st.lists(messy_documents(), min_size=1, max_size=3), project=st.sampled_from([PROJECT, WITH_DEFAULTS]))
def test_random_documents_are_answered_never_raised(docs: list[dict[str, Any]], project: str) -> None:
    assert_answered(validate_files({"jobs/random.yaml": yaml.safe_dump_all(docs, allow_unicode=True)}, project))


@SETTINGS
@given(doc=job_documents(), field=st.sampled_from(["name", "image", "flavor", "timeout", "env", "command",
                                                   "labels", "attempts", "volumes"]),
       template=templates, project=st.sampled_from([PROJECT, WITH_DEFAULTS]))
def test_a_random_template_anywhere_is_answered(doc: dict[str, Any], field: str, template: str, project: str) -> None:
    doc = dict(doc)
    if field in ("env", "labels"):
        doc[field] = {"K": template}
    elif field == "volumes":
        doc[field] = [{"type": "bucket", "source": template, "mount_path": template}]
    elif field == "command":
        doc.pop("script", None)
        doc.setdefault("image", "x")
        doc[field] = [template, "{{ name }}"]
    else:
        doc[field] = template
    assert_answered(validate_files({"jobs/t.yaml": yaml.safe_dump(doc, allow_unicode=True)}, project))


@SETTINGS
@given(text=st.text(max_size=300))
def test_random_text_is_answered(text: str) -> None:
    assert_answered(validate_files({"jobs/text.yaml": text}))


yaml_fragments = st.sampled_from([
    "apiVersion: hfjobs/v1\n", "name: a\n", "image: x\n", "command: [x]\n", "---\n", "- a\n", "a: &x 1\n",
    "b: *x\n", "c: *y\n", "<<: {k: v}\n", "\t", "  ", "? [a]\n: b\n", "{", "}", "[", "]", "'", '"', "|\n", ">\n",
    "!!python/object:os.system\n", "!tag x\n", "%YAML 1.1\n", "...\n", "# comment\n", "\x00", "\ufeff", "key: \n",
    "env: {A: '{{ vars.x }}'}\n", "schedule: '61 * * * *'\n", "secrets: {A: literal}\n",
])


@SETTINGS
@given(parts=st.lists(yaml_fragments, max_size=15))
def test_random_yaml_fragments_are_answered(parts: list[str]) -> None:
    assert_answered(validate_files({"jobs/fragments.yaml": "".join(parts)}))


@SETTINGS
@given(data=st.binary(max_size=200))
def test_random_bytes_are_answered(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_files(Path(folder), {"hfjobs.yaml": PROJECT})
        (root / "jobs").mkdir()
        (root / "jobs" / "bytes.yaml").write_bytes(data)
        assert_answered(check(root))


@SETTINGS
@given(project=st.dictionaries(st.sampled_from(["apiVersion", "project", "namespace", "jobs_dir", "prune", "vars",
                                                "defaults", "environments", "policy", "other"]), values, max_size=6))
def test_random_project_files_are_answered(project: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_files(Path(folder), {"hfjobs.yaml": yaml.safe_dump(project, allow_unicode=True),
                                          "jobs/a.yaml": "apiVersion: hfjobs/v1\nname: a\n"})
        assert_answered(check(root))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=st.lists(job_documents(), min_size=1, max_size=3, unique_by=lambda d: d["name"]))
def test_valid_documents_validate_and_render_deterministically(docs: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_files(Path(folder), {"hfjobs.yaml": PROJECT, **SCRIPTS,
                                          "jobs/a.yaml": yaml.safe_dump_all(docs, allow_unicode=True)})
        result = check(root)
        assert result.ok, [str(issue) for issue in result.issues]
        first = list(specs(root).values())
        second = list(specs(root).values())
    assert spec_output.yaml_output(first) == spec_output.yaml_output(second)
    assert spec_output.json_output(first) == spec_output.json_output(second)
    rendered = list(yaml.safe_load_all(spec_output.yaml_output(first)))
    assert [job["spec_hash"] for job in rendered] == [spec.spec_hash for spec in first]


HOSTILE_SCALARS = st.one_of(
    st.integers(990, 1010).map(lambda n: "9" * n), st.just("9" * 5000), st.just("0x" + "f" * 1200),
    st.integers(1, 500).map(lambda n: "1" + ":30" * n),
    st.sampled_from([
        "2.0", ".nan", ".inf", "-.inf", "1.0e400", "-0", "0o17", '"a\\0b"', '"x\\n"', f"'{TOKEN}'", f"'Bearer {TOKEN}'",
        "'{{ (2**200)**200 }}'", "'{{ 10**300 * 10**300 * 10**300 * 10**300 }}'", "'{{ 2**(2**40) }}'",
        "'{{ env(\"HF_TOKEN\") }}'", "'{{ env(\"LEAKY\") }}'", "'{{ (\"9\" * 5000) | int }}'", "'{{ 2.0 ** 5000 }}'",
        "'{{ range(10**20) }}'", "'{{ 10**999 // 3 }}'", "'9999999999999999999999d'", "'0.0001s'",
    ]),
)
HOSTILE_FIELDS = ["name: {}", "image: {}", "command: [{}]", "timeout: {}", "attempts: {}", "env: {{A: {}}}",
                  "labels: {{a: {}}}", "expose: [{}]", "volumes: [{{type: model, source: o/m, mount_path: {}}}]",
                  "schedule: {}", "script: {}", "secrets: {{A: {}}}"]


@SETTINGS
@given(value=HOSTILE_SCALARS, field=st.sampled_from(HOSTILE_FIELDS), project=st.sampled_from([PROJECT, WITH_DEFAULTS]))
def test_hostile_values_in_any_field_are_answered_and_never_echo_a_token(value: str, field: str, project: str) -> None:
    base = {"name": "name: a", "image": "image: x", "command": "command: [x]"}
    chosen = field.split(":")[0]
    lines = ["apiVersion: hfjobs/v1", *(line for key, line in base.items() if key != chosen), field.format(value)]
    if chosen == "script":
        lines = [line for line in lines if not line.startswith(("image", "command"))]
    with tempfile.TemporaryDirectory() as folder:
        root = write_files(Path(folder), {"hfjobs.yaml": project, **SCRIPTS, "jobs/h.yaml": "\n".join(lines) + "\n"})
        result = check(root, environ={"LEAKY": TOKEN, "HF_TOKEN": TOKEN})
        if result.ok:  # then it renders, in both formats
            loaded = list(specs(root, environ={"LEAKY": TOKEN, "HF_TOKEN": TOKEN}).values())
            assert TOKEN not in spec_output.json_output(loaded) + spec_output.yaml_output(loaded)
    assert_answered(result)
    assert all(TOKEN not in str(issue) and TOKEN[3:20] not in str(issue) for issue in result.issues)
