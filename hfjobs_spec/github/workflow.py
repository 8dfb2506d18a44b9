"""GitHub's file and log protocols: masks, annotations, step outputs, exported variables, the job summary.

Every text written through `Workflow` passes the secret mask first; only `add_mask` writes a secret
value, in the one command GitHub consumes without showing it.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import TextIO

from hfjobs_spec.masking import SecretMask

# GitHub rejects a step summary over 1 MiB; stay a little under it.
SUMMARY_LIMIT_BYTES = 1_000_000


class Workflow:
    def __init__(self, mask: SecretMask, *, output_file: Path | None, summary_file: Path | None,
                 env_file: Path | None, log: TextIO = sys.stdout) -> None:
        self.mask = mask
        self._output_file, self._summary_file, self._env_file = output_file, summary_file, env_file
        self._log = log
        self._summary_bytes = 0

    def add_mask(self, value: str | None) -> None:
        if not value or value in self.mask:
            return
        for line in value.splitlines():  # GitHub masks line by line
            if line.strip():
                self._log.write(f"::add-mask::{line}\n")
                self.mask.add(line)
        self.mask.add(value)

    def log(self, text: str) -> None:
        self._log.write(self.mask.mask(text))
        if text and not text.endswith("\n"):
            self._log.write("\n")
        self._log.flush()

    def warning(self, message: str) -> None:
        self.log(f"::warning title=hfjobs-spec::{escape_data(message)}")

    def error(self, message: str) -> None:
        self.log(f"::error title=hfjobs-spec::{escape_data(message)}")

    def set_output(self, name: str, value: str) -> None:
        _append(self._output_file, _key_value(name, self.mask.mask(value)))

    def export(self, name: str, value: str) -> None:
        _append(self._env_file, _key_value(name, self.mask.mask(value)))

    def summary(self, markdown: str) -> None:
        """Append to the job summary, cut to what is left of GitHub's 1 MiB, saying what was left out."""
        text = self.mask.mask(markdown)
        room = SUMMARY_LIMIT_BYTES - self._summary_bytes
        data = text.encode("utf-8")
        if len(data) > room:
            kept = fit_bytes(text, room - 300)
            text = kept + (f"\n\n> {len(data) - len(kept.encode('utf-8')):,} bytes left out: GitHub keeps at most "
                           "1 MiB of summary per step. The full plan is in the `plan-json` output file.\n")
        self._summary_bytes += len(text.encode("utf-8"))
        _append(self._summary_file, text)


def fit_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text`, cut at a line end, whose UTF-8 form is at most `limit` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[: max(0, limit)].decode("utf-8", errors="ignore")
    cut = kept.rfind("\n")
    return kept[:cut] if cut > 0 else kept


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _key_value(name: str, value: str) -> str:
    if "\n" not in value:
        return f"{name}={value}\n"
    delimiter = f"EOF_{secrets.token_hex(8)}"  # never a line of the value
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _append(path: Path | None, text: str) -> None:
    if path is None:
        return
    with path.open("a", encoding="utf-8") as file:
        file.write(text)
