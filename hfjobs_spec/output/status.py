"""`status` as an aligned table (with notes on failed runs and how to run them again) or JSON."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from datetime import datetime

from hfjobs_spec.manifest.tokens import safe_text
from hfjobs_spec.reconcile.status import StatusRow, rows_as_dicts

JSON_FORMAT_VERSION = 1
COLUMNS = ("NAME", "KIND", "NAMESPACE", "SCHEDULE", "NEXT RUN", "LAST RUN", "STAGE", "DURATION", "SYNC", "URL")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def duration_text(seconds: int | None) -> str:
    """45s, 12m 3s, 2h 5m, 3d 4h: the two largest units are enough to read at a glance."""
    if seconds is None:
        return "-"
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


def render_status(rows: Sequence[StatusRow], apply_command: Sequence[str] = ("hfjobs-spec", "apply")) -> str:
    """The table, then a note per failed last run (the Hub's message) and per revision to run again."""
    if not rows:
        return "No jobs declared or on the Hub for this project.\n"
    table: list[tuple[str, ...]] = [COLUMNS]
    for row in rows:
        schedule = "-" if row.schedule is None else row.schedule + (" (suspended)" if row.suspended else "")
        if row.webhook is not None:  # an `on: hub:` job: what starts it
            count = len(row.webhook.watched)
            schedule = f"on hub: {count} watched" + (" (webhook disabled)" if row.webhook.disabled else "")
        # The Hub's strings are data: no escape sequence of theirs reaches the terminal.
        table.append(tuple(safe_text(cell) for cell in (
            row.name, row.kind, row.namespace or "-", schedule, _when(row.next_run_at), _when(row.last_run_at),
            row.last_run_stage or "-", duration_text(row.last_run_seconds), row.sync, row.url or "-")))
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in table]
    notes = []
    for row in rows:
        if row.errored and row.last_run_message:
            notes.append(safe_text(f"{row.name}: the last run ({row.last_run_id}) failed: {row.last_run_message}"))
        if row.rerun:
            again = shlex.join([*apply_command, "--replace", row.name])
            notes.append(f"{row.name}: this revision ran once and ended {row.last_run_stage}; run it again with: "
                         f"{again}")
        if row.sync == "orphaned":
            notes.append(f"{row.name}: no manifest declares it any more (kept on the Hub; a finished run is never "
                         "deleted)" if row.kind == "job" else
                         f"{row.name}: no manifest declares it any more; it stays while pruning is off")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def render_status_json(rows: Sequence[StatusRow]) -> str:
    return json.dumps({"format_version": JSON_FORMAT_VERSION, "jobs": rows_as_dicts(rows)}, indent=2,
                      sort_keys=True) + "\n"
