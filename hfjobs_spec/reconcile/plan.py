"""The plan as a value: what would change, why, field by field, and the Hub operations that do it.

A plan is plain data: it serialises to deterministic JSON (`to_dict`) and loads back (`from_dict`).
`apply` carries out the operations of a plan it computed itself; a saved plan only has to equal it
(`plan_file`).
"""

from __future__ import annotations

import typing
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

# "import": adopt an unmanaged Hub object (stamp the ownership labels in place), then whatever else the
# manifest still asks of it, in the same change.
Action = Literal["create", "import", "update", "replace", "delete", "noop"]
ACTIONS: tuple[Action, ...] = ("delete", "replace", "create", "import", "update", "noop")
OperationKind = Literal[
    "create_scheduled", "delete_scheduled", "reschedule", "suspend", "resume", "relabel_scheduled",
    "run", "cancel", "relabel_run", "import_scheduled", "import_run",
    "create_webhook", "update_webhook", "enable_webhook", "delete_webhook",
]
OPERATION_KINDS: tuple[OperationKind, ...] = typing.get_args(OperationKind)
FORMAT_VERSION = 2


@dataclass(frozen=True)
class FieldDiff:
    """One field, old -> new. `old` is None for a field the live side lacks or does not report."""

    field: str
    old: Any
    new: Any
    forces_replacement: bool = False


@dataclass(frozen=True)
class Operation:
    """One Hub call. Creates name the job whose spec they send; others name the live id they touch."""

    kind: OperationKind
    namespace: str
    target: str | None = None
    schedule: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    # Webhook operations: the run the webhook starts (None: the run this change starts) and the secret
    # names to remove from it.
    job: str | None = None
    unset_secrets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "namespace": self.namespace}
        if self.target is not None:
            data["target"] = self.target
        if self.schedule is not None:
            data["schedule"] = self.schedule
        if self.labels:
            data["labels"] = dict(self.labels)
        if self.job is not None:
            data["job"] = self.job
        if self.unset_secrets:
            data["unset_secrets"] = list(self.unset_secrets)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Operation:
        return cls(kind=data["kind"], namespace=data["namespace"], target=data.get("target"),
                   schedule=data.get("schedule"), labels=tuple(sorted(data.get("labels", {}).items())),
                   job=data.get("job"), unset_secrets=tuple(data.get("unset_secrets", ())))


@dataclass(frozen=True)
class WebhookChange:
    """What happens to the Hub webhook that starts a job (`on: hub:`): a sub-resource of its change."""

    action: Literal["create", "update", "delete"]
    reason: str
    live_ids: tuple[str, ...] = ()
    fields: tuple[FieldDiff, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "reason": self.reason, "live_ids": list(self.live_ids),
                "fields": [_field_dict(f) for f in self.fields]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookChange:
        return cls(action=data["action"], reason=data["reason"], live_ids=tuple(data["live_ids"]),
                   fields=tuple(_field(f) for f in data["fields"]))


def _field_dict(f: FieldDiff) -> dict[str, Any]:
    return {"field": f.field, "old": f.old, "new": f.new, "forces_replacement": f.forces_replacement}


def _field(data: dict[str, Any]) -> FieldDiff:
    return FieldDiff(data["field"], data["old"], data["new"], data["forces_replacement"])


@dataclass(frozen=True)
class Change:
    """What happens to one job. `blocked` says why it may not happen (e.g. `protect: true`)."""

    name: str
    kind: Literal["job", "scheduled_job"]
    action: Action
    reason: str
    namespace: str
    fields: tuple[FieldDiff, ...] = ()
    live_ids: tuple[str, ...] = ()
    operations: tuple[Operation, ...] = ()
    blocked: str | None = None
    # The matrix manifest (file:line) this job is one combination of; plans show its jobs together.
    group: str | None = None
    webhook: WebhookChange | None = None
    # The manifest name the job had on the Hub, when this change renames it in place (`previous_names`).
    moved_from: str | None = None

    @property
    def sort_key(self) -> tuple[int, str, tuple[str, ...]]:
        return ACTIONS.index(self.action), self.name, self.live_ids

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "action": self.action,
            "reason": self.reason,
            "namespace": self.namespace,
            "fields": [
                {"field": f.field, "old": f.old, "new": f.new, "forces_replacement": f.forces_replacement}
                for f in self.fields
            ],
            "live_ids": list(self.live_ids),
            "operations": [op.to_dict() for op in self.operations],
        }
        if self.blocked is not None:
            data["blocked"] = self.blocked
        if self.group is not None:
            data["group"] = self.group
        if self.webhook is not None:
            data["webhook"] = self.webhook.to_dict()
        if self.moved_from is not None:
            data["moved_from"] = self.moved_from
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(
            name=data["name"],
            kind=data["kind"],
            action=data["action"],
            reason=data["reason"],
            namespace=data["namespace"],
            fields=tuple(FieldDiff(f["field"], f["old"], f["new"], f["forces_replacement"]) for f in data["fields"]),
            live_ids=tuple(data["live_ids"]),
            operations=tuple(Operation.from_dict(op) for op in data["operations"]),
            blocked=data.get("blocked"),
            group=data.get("group"),
            webhook=WebhookChange.from_dict(data["webhook"]) if data.get("webhook") else None,
            moved_from=data.get("moved_from"),
        )


@dataclass(frozen=True)
class Conflict:
    """A job the plan would create next to unmanaged look-alikes: objects of the namespace, made without
    this tool, that carry the same Hub `name`. Apply would make a second one; `import` adopts one instead.

    `live_ids` are oldest first; `suggestion` is the manifest line that would adopt the newest.
    `foreign` is the label key that marks them as another tool's (never imported, so no suggestion).
    """

    name: str
    kind: Literal["job", "scheduled_job"]
    namespace: str
    live_ids: tuple[str, ...]
    foreign: str | None = None

    @property
    def suggestion(self) -> str | None:
        if self.foreign is not None:
            return None
        return f'import: {{id: "{self.live_ids[-1]}"}}'  # quoted: an id of digits only must stay a string

    @property
    def message(self) -> str:
        what = "scheduled job" if self.kind == "scheduled_job" else "job run"
        if self.foreign is not None:
            many = "s" if len(self.live_ids) > 1 else ""
            return (f"{what}{many} {', '.join(self.live_ids[-5:])} of another tool (label {self.foreign!r}) in "
                    f"{self.namespace} carr{'y' if many else 'ies'} the Hub name {self.name!r}; apply creates this "
                    "one next to it and never imports or touches it. Rename the manifest to keep the names apart")
        shown = ", ".join(self.live_ids[-5:]) + (f" (and {len(self.live_ids) - 5} older)" if len(self.live_ids) > 5
                                                 else "")
        many = "s" if len(self.live_ids) > 1 else ""
        return (f"unmanaged {what}{many} {shown} in {self.namespace} already carr{'y' if many else 'ies'} the Hub "
                f"name {self.name!r}; apply would create another. To adopt "
                f"{'the newest' if many else 'it'} instead, add `{self.suggestion}` to the manifest")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind, "namespace": self.namespace,
                                "live_ids": list(self.live_ids), "suggestion": self.suggestion}
        if self.foreign is not None:
            data["foreign"] = self.foreign
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conflict:
        return cls(name=data["name"], kind=data["kind"], namespace=data["namespace"],
                   live_ids=tuple(data["live_ids"]), foreign=data.get("foreign"))


@dataclass(frozen=True)
class PlanOptions:
    """How a plan was asked for, recorded in it so that a saved plan can be made again the same way."""

    prune: bool = True
    allow_empty: bool = False
    replace: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"allow_empty": self.allow_empty, "prune": self.prune, "replace": sorted(self.replace),
                "targets": sorted(self.targets)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanOptions:
        return cls(prune=bool(data["prune"]), allow_empty=bool(data["allow_empty"]),
                   replace=tuple(sorted(data["replace"])), targets=tuple(sorted(data["targets"])))


@dataclass(frozen=True, order=True)
class SecretRead:
    """A variable that apply will read for a job it creates: `$HF_TOKEN` (the token) or `$NAME`."""

    job: str
    name: str
    variable: str
    source: str  # where the job is declared, file:line

    def to_dict(self) -> dict[str, str]:
        return {"job": self.job, "name": self.name, "variable": self.variable, "source": self.source}


@dataclass(frozen=True)
class Plan:
    """Every change for one project and environment, with fingerprints of what it was made from.

    `options` records how it was asked for (pruning, targets, forced replacements), so a saved plan
    can be made again the same way and compared.
    """

    project: str
    environment: str | None
    namespaces: tuple[str, ...]
    changes: tuple[Change, ...]
    desired_digest: str
    live_digest: str
    options: PlanOptions = field(default_factory=PlanOptions)
    reads: tuple[SecretRead, ...] = ()
    hub: str = ""  # the endpoint the plan was made against ("local (embedded)" for the embedded Hub)
    left_out: tuple[str, ...] = ()  # declared jobs a --target plan did not look at
    # Variables of `reads` that had no value where the plan was made (plan never needs them; apply does).
    unset: tuple[str, ...] = ()
    # Creates next to unmanaged jobs of the same Hub name, sorted by (namespace, name).
    conflicts: tuple[Conflict, ...] = ()

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(change.action for change in self.changes)
        return {action: counts.get(action, 0) for action in ("create", "import", "update", "replace", "delete", "noop")}

    @property
    def pending(self) -> tuple[Change, ...]:
        """The changes that do something."""
        return tuple(change for change in self.changes if change.action != "noop")

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    @property
    def blocked(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.blocked)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "hub": self.hub,
            "project": self.project,
            "environment": self.environment,
            "namespaces": list(self.namespaces),
            "desired_digest": self.desired_digest,
            "live_digest": self.live_digest,
            "summary": self.summary,
            "options": self.options.to_dict(),
            "changes": [change.to_dict() for change in self.changes],
            "secret_reads": [read.to_dict() for read in self.reads],
            "unset_at_plan": list(self.unset),
            "left_out": list(self.left_out),
            "conflicts": [conflict.to_dict() for conflict in self.conflicts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            project=data["project"],
            environment=data["environment"],
            namespaces=tuple(data["namespaces"]),
            changes=tuple(Change.from_dict(change) for change in data["changes"]),
            desired_digest=data["desired_digest"],
            live_digest=data["live_digest"],
            options=PlanOptions.from_dict(data["options"]),
            reads=tuple(SecretRead(**read) for read in data.get("secret_reads", ())),
            unset=tuple(data.get("unset_at_plan", ())),
            hub=data.get("hub", ""),
            left_out=tuple(data.get("left_out", ())),
            conflicts=tuple(Conflict.from_dict(conflict) for conflict in data.get("conflicts", ())),
        )

    def conflicts_of(self, change: Change) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.name == change.name and change.action == "create")

    @property
    def renamed(self) -> tuple[tuple[str, str], ...]:
        """The jobs renamed in place, as (previous name, name), whatever number of changes each takes."""
        return tuple(sorted({(c.moved_from, c.name) for c in self.changes if c.moved_from is not None}))
