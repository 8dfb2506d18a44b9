"""The pending changes of a plan with each matrix manifest's jobs together, where the first of them is."""

from __future__ import annotations

from collections.abc import Sequence

from hfjobs_spec.reconcile.plan import Change


def grouped(changes: Sequence[Change]) -> list[tuple[str | None, tuple[Change, ...]]]:
    """`[(None, (change,)), ("jobs/sweep.yaml:1", (its changes...)), ...]`, in the plan's own order."""
    members: dict[str, list[Change]] = {}
    for change in changes:
        if change.group is not None:
            members.setdefault(change.group, []).append(change)
    out: list[tuple[str | None, tuple[Change, ...]]] = []
    for change in changes:
        if change.group is None:
            out.append((None, (change,)))
        elif change.group in members:
            out.append((change.group, tuple(members.pop(change.group))))
    return out


def group_title(group: str, changes: Sequence[Change]) -> str:
    count = len(changes)
    return f"matrix {group}: {count} job{'s' if count != 1 else ''} of this manifest change"
