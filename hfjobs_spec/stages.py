"""The stages of a job run, as the Hub names them (huggingface_hub's `JobStage`), for the product and
localhub alike.

A run is active until it reaches a terminal stage. A stage the Hub may add later (the CLI already
knows `UPDATING`) counts as active: mistaking a live run for an ended one would start a duplicate.
"""

from __future__ import annotations

TERMINAL_STAGES = ("COMPLETED", "CANCELED", "ERROR", "DELETED")
# The stages the Hub reports while a run is in progress; localhub emulates exactly these.
PROGRESS_STAGES = ("SCHEDULING", "RUNNING")
# The values the Hub accepts as a `stage` filter. It rejects any other, UPDATING included
# (huggingface_hub commit 1800c416 stopped sending it for that reason).
KNOWN_STAGES = (*PROGRESS_STAGES, *TERMINAL_STAGES)


def is_active(stage: str) -> bool:
    """Whether a run in `stage` may still run (anything not terminal, unknown stages included)."""
    return stage not in TERMINAL_STAGES
