"""The corpora in tests/examples: valid manifests stay valid, each invalid case prints exactly what it states.

The convention is described in tests/examples/README.md.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from hfjobs_spec.manifest.yaml_source import parse_documents
from tests.manifest.helpers import EXAMPLES, REPO_ROOT, run_main

INVALID = EXAMPLES / "invalid"
VALID = EXAMPLES / "valid"
_EXPECT = re.compile(r"^\s*# expect: (.*?)\s*$")
_ARGS = re.compile(r"^\s*# args: (.*?)\s*$")
_SUMMARY = re.compile(r"^\d+ errors? in \d+ of \d+ files?$")
_MANIFEST_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): error: (?P<rest>.*)$")


@dataclass(frozen=True)
class Case:
    """One invalid case: where to run, which paths to validate, and what it states."""

    name: str
    cwd: Path
    paths: tuple[str, ...]
    files: tuple[Path, ...]

    def directives(self, pattern: re.Pattern[str]) -> list[str]:
        found = []
        for file in self.files:
            for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
                match = pattern.match(line)
                if match:
                    found.append(match.group(1))
        return found

    @property
    def expected(self) -> list[str]:
        return self.directives(_EXPECT)

    @property
    def args(self) -> list[str]:
        return [arg for line in self.directives(_ARGS) for arg in shlex.split(line)]


def _invalid_cases() -> list[Case]:
    cases = [Case(f"jobs/{file.stem}", INVALID, (f"jobs/{file.name}",), (file,))
             for file in sorted((INVALID / "jobs").glob("*.yaml"))]
    for folder in sorted(p for p in (INVALID / "projects").iterdir() if p.is_dir()):
        files = tuple(sorted(p for p in folder.rglob("*") if p.is_file()))
        cases.append(Case(f"projects/{folder.name}", folder, (), files))
    return cases


CASES = _invalid_cases()


def _run(case: Case, *extra: str) -> list[str]:
    result = run_main([*case.args, "validate", *case.paths, *extra], case.cwd)
    assert result.code == 1, f"{case.name}: expected exit 1, got {result.code}\n{result.out}{result.err}"
    for marker in ("Traceback", "Unexpected error", "This is a bug"):
        assert marker not in result.out + result.err, f"{case.name} crashed:\n{result.err}"
    return result.lines


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert all(case.expected for case in CASES), [case.name for case in CASES if not case.expected]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_invalid_case_prints_exactly_what_it_states(case: Case) -> None:
    lines = _run(case)
    summaries = [line for line in lines if _SUMMARY.match(line)]
    actual = [line for line in lines if not _SUMMARY.match(line)]
    assert len(summaries) <= 1
    if sorted(actual) != sorted(case.expected):
        ready = "\n".join(f"# expect: {line}" for line in actual)
        pytest.fail(f"{case.name} printed other messages than it states. It printed:\n{ready}")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_invalid_case_json_and_github_formats_agree_with_text(case: Case) -> None:
    expected = sorted(line for line in case.expected if _MANIFEST_LINE.match(line))
    document = json.loads("\n".join(_run(case, "--format", "json")))
    assert document["valid"] is False
    if not expected:  # a project or command-line error: one error without a file, same words as the text
        (error,) = document["errors"]
        assert (error["file"], error["line"]) == ("", 0)
        assert [f"Error: {error['message']}"] == case.expected
        (annotation,) = _run(case, "--format", "github")
        assert annotation == f"::error title=hfjobs-spec::{error['message']}"
        return
    from_json = sorted(
        f"{e['file']}:{e['line']}:{e['column']}: error: " + (f"{e['field']}: " if e["field"] else "") + e["message"]
        for e in document["errors"]
    )
    assert from_json == expected
    in_order = [line for line in _run(case) if _MANIFEST_LINE.match(line)]
    github = _run(case, "--format", "github")
    assert len(github) == len(in_order)
    for line, text_line in zip(github, in_order, strict=True):
        match = _MANIFEST_LINE.match(text_line)
        assert match is not None
        assert line.startswith(f"::error file={match['file']},line={match['line']},col={match['column']},")


# -- the valid corpus --------------------------------------------------------------------------------

ENVIRONMENTS = [None, *sorted(yaml.safe_load((VALID / "hfjobs.yaml").read_text())["environments"])]
VALID_FILES = sorted(p for p in (VALID / "jobs").rglob("*") if p.suffix in (".yaml", ".yml"))
VALID_JOBS = [doc for file in VALID_FILES for doc in yaml.safe_load_all(file.read_text()) if doc is not None]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_valid_corpus_validates_in_every_environment(environment: str | None) -> None:
    args = ["-E", environment] if environment else []
    result = run_main([*args, "validate"], VALID)
    assert result.code == 0, result.out + result.err
    assert result.out == f"{len(VALID_JOBS)} jobs valid in {len(VALID_FILES)} files\n"
    assert result.err == ""


def test_valid_corpus_validates_with_values_and_vars() -> None:
    result = run_main(["--values", "values/ci.yaml", "--var", "attempts=5", "validate"], VALID)
    assert result.code == 0, result.out + result.err


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_valid_corpus_renders_the_same_bytes_every_time(fmt: str) -> None:
    first = run_main(["-E", "prod", "render", "--format", fmt], VALID)
    second = run_main(["-E", "prod", "render", "--format", fmt], VALID)
    assert first.code == 0, first.err
    assert first.out == second.out
    assert first.out.count("spec_hash") == len(VALID_JOBS)


def _documents(folder: Path) -> list[tuple[str, object]]:
    """The documents as an editor reads them: YAML 1.2 keys, so `on:` is the text "on", not True."""
    found = []
    for file in sorted(folder.rglob("*.y*ml")):
        for index, document in enumerate(parse_documents(file.read_text(), file.name)):
            found.append((f"{file.relative_to(REPO_ROOT)}#{index}", document.data))
    return found


PUBLISHED = [*_documents(VALID / "jobs"), *_documents(REPO_ROOT / "jobs")]


@pytest.mark.parametrize(("where", "document"), PUBLISHED, ids=[where for where, _ in PUBLISHED])
def test_published_schema_accepts_every_valid_manifest_as_written(where: str, document: object) -> None:
    """What an editor shows through `# yaml-language-server: $schema=...` agrees with `validate`."""
    schema = json.loads((REPO_ROOT / "schemas" / "job.schema.json").read_text())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(document)]
    assert errors == []
