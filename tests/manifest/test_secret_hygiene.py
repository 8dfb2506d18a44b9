"""Secrets stay secret: one token rule, names collected before rendering, every output cleaned."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.secret_refs import has_templates, reference_source, referenced_names
from hfjobs_spec.manifest.tokens import looks_like_token, printable, redact, safe_issue
from tests.manifest.helpers import PROJECT_HEADER, TOKEN, check, messages, specs, write_project

JOB = "apiVersion: hfjobs/v1\nname: {name}\nimage: python:3.12\ncommand: [python, -V]\n"


@pytest.mark.parametrize(
    ("text", "token"),
    [(TOKEN, True), (f"Bearer {TOKEN}", True), (f"{TOKEN}_suffix", True), (f"x={TOKEN};", True),
     (f"registry/{TOKEN}:latest", True), ("hf_" + "a" * 29, False), ("shf_" + "a" * 40, False),
     ("hf_transfer", False), ("HF_" + "A" * 40, False), ("$HF_TOKEN", False)],
)
def test_one_rule_says_what_a_token_looks_like(text: str, token: bool) -> None:
    assert looks_like_token(text) is token


def test_redaction_is_looser_than_detection_so_no_message_shows_most_of_a_token() -> None:
    assert redact(f"a {TOKEN} b") == "a hf_*** b"
    assert redact("hf_" + "a" * 25) == "hf_***"  # not a token by the rule, still never shown
    assert redact("hf_transfer") == "hf_transfer"


def test_printable_escapes_what_could_start_a_line_of_its_own() -> None:
    assert printable("plain text, é and ü") == "plain text, é and ü"
    assert printable("a\n::add-mask::b\r\x00\u200b") == "a\\n::add-mask::b\\r\\x00\\u200b"


def test_safe_issue_cleans_file_field_and_message() -> None:
    issue = ManifestIssue(f"jobs/{TOKEN}\n.yaml", 1, 2, f"env.{TOKEN}", f"'{TOKEN}'\nforged")
    assert str(safe_issue(issue)) == "jobs/hf_***\\n.yaml:1:2: error: env.hf_***: 'hf_***'\\nforged"


@pytest.mark.parametrize(
    ("secrets", "names"),
    [
        (["A", "B"], {"A", "B"}),
        ({"A": "$B", "C": "${D}", "E": "$HF_TOKEN"}, {"A", "B", "C", "D", "E", "HF_TOKEN"}),
        ({"A": "literal", "bad key": "$B", "C": "{{ vars.x }}"}, {"A", "B", "C"}),
        (["A", "not a name", 3, "{{ vars.x }}"], {"A"}),
        ({"A": "$B\n"}, {"A"}),
        ("{{ vars.secrets }}", set()),
        (None, set()),
    ],
)
def test_referenced_names_reads_both_forms_and_skips_what_is_malformed(secrets: object, names: set[str]) -> None:
    assert referenced_names(secrets) == names


def test_templated_secrets_are_recognised_and_references_unwrapped() -> None:
    assert has_templates({"A": "${{ vars.x }}"}) and has_templates(["{{ vars.x }}"]) and has_templates("{{ x }}")
    assert not has_templates({"A": "$B"}) and not has_templates(["A"]) and not has_templates(None)
    assert reference_source("$NAME") == reference_source("${NAME}") == "NAME"


def test_a_secret_used_by_another_job_is_refused_when_rendering_one_file(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "reader": JOB.format(name="reader") + "env: {A: \"{{ env('KEY') }}\", B: \"{{ env('TEMPLATED') }}\"}\n",
        "owner": JOB.format(name="owner") + "secrets: {X: $KEY, Y: \"${{ vars.name }}\"}\n",
    }, project=PROJECT_HEADER + "vars: {name: TEMPLATED}\n")
    environ = {"KEY": "key-value-1", "TEMPLATED": "templated-value-2"}
    for paths in ((), ("jobs/reader.yaml",)):
        found = messages(root, *paths, environ=environ)
        assert [line.split(": error: ")[0] for line in found] == ["jobs/reader.yaml:5:10", "jobs/reader.yaml:5:33"]
        assert all("key-value-1" not in line and "templated-value-2" not in line for line in found)


def test_secret_names_do_not_stop_other_variables(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": JOB.format(name="a") + "env: {A: \"{{ env('PLAIN') }}\"}\nsecrets: [KEY]\n"})
    assert specs(root, environ={"PLAIN": "fine", "KEY": "secret"})["a"].env_dict == {"A": "fine"}


def test_every_string_of_a_job_is_checked_for_tokens_and_nul(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a": JOB.format(name="a") + (
        f"labels: {{{TOKEN}: x}}\n"
        f"volumes:\n  - {{type: model, source: o/m, mount_path: /m, path: \"{TOKEN}\"}}\n"
        "env: {A: \"a\\0b\"}\n"
        f"secrets: {{B: ${TOKEN}}}\n")})  # a reference *named* like a token is a name, not a value
    result = check(root)
    assert [(issue.line, issue.field) for issue in result.issues] == [
        (5, "labels.hf_***"), (7, "volumes[0].path"), (8, "env.A")]
    assert all(TOKEN not in str(issue) for issue in result.issues)
