"""The error boundary prints every error as data: no control character and no token reaches the output."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfjobs_spec.cli import main


def test_an_error_quoting_a_hostile_path_prints_no_escape_sequence(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "x\x1b[2J\n::error::y"
    folder.mkdir()
    assert main(["--project-dir", str(folder), "validate"]) == 1
    err = capsys.readouterr().err
    assert "no hfjobs.yaml" in err
    assert "\x1b" not in err and "\n::error::" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["--project-dir", "a\x00b", "validate"], ["plan", "--out", "p\x00.json"]])
def test_a_nul_byte_in_an_argument_is_a_usage_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "NUL byte" in err and "bug" not in err
