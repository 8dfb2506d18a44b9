"""Secrets stay secret: one token rule, checked in every field, and every output cleaned."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfjobs_spec.errors import ManifestIssue
from hfjobs_spec.manifest.tokens import looks_like_token, printable, redact, safe_issue
from tests.manifest.helpers import TOKEN, check, write_project

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
