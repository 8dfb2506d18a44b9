"""The webhook of an `on: hub:` job, shown inside its job's change: one nested block, `+`/`~`/`-` lines."""

from __future__ import annotations

from collections.abc import Callable

from hfjobs_spec.reconcile.plan import Change, FieldDiff

SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
VERBS = {"create": "created", "update": "updated in place", "delete": "deleted"}


def webhook_lines(change: Change, field_line: Callable[[FieldDiff], str], indent: str,
                  symbols: dict[str, str] = SYMBOLS) -> list[str]:
    """The nested block, or nothing when the change leaves the job's webhook as it is."""
    hook = change.webhook
    if hook is None:
        return []
    ids = f" [{', '.join(hook.live_ids)}]" if hook.live_ids else ""
    lines = [f"{indent}{symbols[hook.action]} webhook{ids} will be {VERBS[hook.action]}: {hook.reason} {{"]
    lines += [f"{indent}    {field_line(diff)}" for diff in hook.fields]
    lines.append(f"{indent}  }}")
    return lines
