"""`status` as an aligned table or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from hfjobs_spec.reconcile.status import StatusRow, rows_as_dicts

JSON_FORMAT_VERSION = 1
COLUMNS = ("NAME", "KIND", "NAMESPACE", "SCHEDULE", "NEXT RUN", "LAST RUN", "STAGE", "SYNC", "URL")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def render_status(rows: Sequence[StatusRow]) -> str:
    if not rows:
        return "No managed jobs on the Hub for this project.\n"
    table = [COLUMNS]
    for row in rows:
        schedule = "-" if row.schedule is None else row.schedule + (" (suspended)" if row.suspended else "")
        if row.webhook is not None:  # an `on: hub:` job: what starts it
            count = len(row.webhook.watched)
            schedule = f"on hub: {count} watched" + (" (webhook disabled)" if row.webhook.disabled else "")
        table.append((row.name, row.kind, row.namespace, schedule, _when(row.next_run_at), _when(row.last_run_at),
                      row.last_run_stage or "-", row.sync, row.url or "-"))
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
                     for line in table) + "\n"


def render_status_json(rows: Sequence[StatusRow]) -> str:
    return json.dumps({"format_version": JSON_FORMAT_VERSION, "jobs": rows_as_dicts(rows)}, indent=2,
                      sort_keys=True) + "\n"
