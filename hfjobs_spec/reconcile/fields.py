"""Field-level differences between a desired spec and a live job, and the reasons built from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.live import DiffOptions
from hfjobs_spec.reconcile.plan import FieldDiff
from hfjobs_spec.reconcile.translate import comparable_labels, desired_view


def replace_reason(spec: JobSpec, namespace: str, labels: Mapping[str, str], options: DiffOptions,
                    fields: Sequence[FieldDiff]) -> str | None:
    """Why the live job cannot be kept, or None if it can."""
    if namespace != spec.namespace:
        return f"namespace changed ({namespace} -> {spec.namespace}): forces replacement"
    if spec.name in options.replace:
        return "forced by --replace"
    if labels.get(L.SPEC_HASH) != spec.hash_label:
        return describe_replacement(fields, "forces replacement")
    return None


def describe_replacement(fields: Sequence[FieldDiff], consequence: str) -> str:
    forcing = [f.field for f in fields if f.forces_replacement]
    if not forcing:
        return f"spec changed in fields the Hub does not report (such as timeout or secret sources): {consequence}"
    return f"{', '.join(forcing)} changed: {consequence}"


def replacement_fields(spec: JobSpec, live: Mapping[str, Any]) -> tuple[FieldDiff, ...]:
    wanted = desired_view(spec)
    fields = []
    for key in sorted(set(wanted) | set(live)):
        if key not in live and key in ("timeout", "attempts"):
            continue  # the Hub does not report it; the spec hash still catches the change
        if wanted.get(key) != live.get(key):
            fields.append(FieldDiff(key, live.get(key), wanted.get(key), forces_replacement=True))
    return tuple(fields)


def creation_fields(spec: JobSpec) -> tuple[FieldDiff, ...]:
    view = desired_view(spec)
    if spec.schedule is not None:
        view["schedule"] = spec.schedule
        view["suspend"] = spec.suspend
    view.update({f"labels.{k}": v for k, v in spec.labels})
    return tuple(FieldDiff(key, None, value) for key, value in sorted(view.items()) if value not in (None, [], {}))


def removal_fields(view: Mapping[str, Any]) -> tuple[FieldDiff, ...]:
    return tuple(FieldDiff(key, value, None) for key, value in sorted(view.items()) if value not in (None, [], {}))


def protect_block(spec: JobSpec) -> str:
    return f"{spec.name} has protect: true, which forbids replacing it; set protect: false to allow it"


def protect_label_block(labels: Mapping[str, str]) -> str | None:
    if labels.get(L.PROTECT) != "true":
        return None
    return (f"{labels.get(L.MANIFEST_NAME)} was applied with protect: true, which forbids deleting it; "
            "declare it again with protect: false and apply, then remove it")


def label_fields(wanted: Mapping[str, str], live: Mapping[str, str]) -> list[FieldDiff]:
    current = comparable_labels(live)
    fields = []
    # The hash shows as field diffs instead; the webhook label as the webhook's own change (reconcile.webhooks).
    for key in sorted((set(wanted) | set(current)) - {L.SPEC_HASH, L.WEBHOOK}):
        if wanted.get(key) != current.get(key):
            name = "protect" if key == L.PROTECT else f"labels.{key}"
            fields.append(FieldDiff(name, current.get(key), wanted.get(key)))
    return fields


def update_reason(fields: Sequence[FieldDiff], drifted: bool) -> str:
    if drifted:
        return "changed on the Hub since the last apply"
    names = sorted({f.field.split(".", 1)[0] for f in fields})
    return f"{', '.join(names)} changed"
