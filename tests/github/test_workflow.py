"""GitHub's file protocols: the summary stays within 1 MiB and says what it left out; outputs are masked."""

from __future__ import annotations

import io
from pathlib import Path

from hfjobs_spec.github.workflow import SUMMARY_LIMIT_BYTES, Workflow
from hfjobs_spec.masking import SecretMask


def test_the_summary_stays_within_a_mebibyte_and_says_what_it_left_out(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    workflow = Workflow(SecretMask(), output_file=None, summary_file=summary, env_file=None, log=io.StringIO())
    workflow.summary("## head\n" + "é line of plan\n" * 200_000)
    text = summary.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= SUMMARY_LIMIT_BYTES
    assert "bytes left out: GitHub keeps at most 1 MiB" in text and text.startswith("## head\n")


def test_masks_and_outputs(tmp_path: Path) -> None:
    log, outputs = io.StringIO(), tmp_path / "out"
    workflow = Workflow(SecretMask(), output_file=outputs, summary_file=None, env_file=None, log=log)
    workflow.add_mask("s3cret-value-1\ns3cret-value-2")
    workflow.set_output("summary", "saw s3cret-value-1")
    workflow.set_output("multi", "a\nb")
    workflow.log("printing s3cret-value-2")
    assert log.getvalue().splitlines() == ["::add-mask::s3cret-value-1", "::add-mask::s3cret-value-2",
                                           "printing ***"]
    text = outputs.read_text()
    assert text.startswith("summary=saw ***\nmulti<<EOF_") and "\na\nb\nEOF_" in text
