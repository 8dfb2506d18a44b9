"""`python -m hfjobs_spec.localhub serve ...`: the localhub commands without the main CLI."""

from __future__ import annotations

from hfjobs_spec.localhub.cli import localhub

if __name__ == "__main__":
    localhub(prog_name="python -m hfjobs_spec.localhub")
