"""Lines for `wait`, `logs --follow` and `run`: stage changes with elapsed time, and the closing verdict."""

from __future__ import annotations

from collections.abc import Sequence

from hfjobs_spec.manifest.tokens import safe_text
from hfjobs_spec.reconcile.watch import RunEvent, RunRef


def elapsed(seconds: float) -> str:
    """`7s`, `3m05s`, `2h01m`: short, and growing in width only as time does."""
    total = int(seconds)
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m{total % 60:02d}s"
    return f"{total // 3600}h{total % 3600 // 60:02d}m"


def run_label(ref: RunRef) -> str:
    return safe_text(f"{ref.name} (run {ref.id})")


def log_line(line: str) -> str:
    """A line of a job's log, printed as data: no escape sequence, carriage return or token-shaped
    string of the job's reaches the terminal (tabs are kept)."""
    return "\t".join(safe_text(part) for part in line.split("\t"))


def event_line(event: RunEvent) -> str:
    """One stage change: `[1m05s] smoke (run 68a1...): RUNNING`, the Hub's message after a colon."""
    stage = f"still {event.stage} when the timeout passed" if event.timed_out else event.stage
    message = f": {event.message}" if event.message else ""
    return safe_text(f"[{elapsed(event.elapsed):>6}] {run_label(event.run)}: {stage}{message}")


def final_events(events: Sequence[RunEvent]) -> list[RunEvent]:
    """The last event of each run, in the order the runs were first seen."""
    last: dict[str, RunEvent] = {}
    for event in events:
        last[event.run.id] = event
    return list(last.values())


def wait_verdict(finals: Sequence[RunEvent]) -> str:
    """`All 2 runs completed.`, or which did not and how."""
    failed = [event for event in finals if not event.ok]
    if not failed:
        count = len(finals)
        return f"All {count} runs completed." if count != 1 else "The run completed."
    parts = []
    for event in failed:
        how = "timed out while " + event.stage if event.timed_out else event.stage
        parts.append(f"{event.run.name} ({how}{': ' + event.message if event.message else ''})")
    return safe_text(f"{len(failed)} of {len(finals)} runs did not complete: " + "; ".join(parts))
