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
