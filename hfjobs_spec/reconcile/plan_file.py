"""Saved plan files: read them as hostile data, and hold them against a freshly computed plan.

A saved plan is the record of what a reviewer approved, never a list of instructions. It is parsed
strictly (a JSON Schema: known keys, types and operation kinds only), then `apply` recomputes the
plan from the manifests and the Hub and goes ahead only if the fresh plan is exactly the saved one.
The operations carried out are always the fresh plan's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped,unused-ignore]

from hfjobs_spec.errors import PlanError, StalePlanError
from hfjobs_spec.policy.model import RULES
from hfjobs_spec.reconcile.cost import JOB_COST_KEYS, UNIT_SECONDS, WINDOW_DAYS
from hfjobs_spec.reconcile.plan import ACTIONS, FORMAT_VERSION, OPERATION_KINDS, Plan
from hfjobs_spec.reconcile.policy_report import POLICY_REPORT_SCHEMA
from hfjobs_spec.schedules import schedule_problem

# Far larger than any real plan (10,000 changes take a few MiB); a bigger file is not ours.
MAX_PLAN_BYTES = 64 * 1024 * 1024

# A plan's deepest values (an env mapping in a field diff) sit about 6 levels down.
MAX_DEPTH = 32
_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_OPERATION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "namespace"],
    "properties": {
        "kind": {"enum": list(OPERATION_KINDS)},
        "namespace": _STRING,
        "target": _STRING,
        "schedule": _STRING,
        "labels": {"type": "object", "additionalProperties": _STRING},
        "job": _STRING,
        "unset_secrets": _STRINGS,
    },
}
_FIELD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["field", "old", "new", "forces_replacement"],
    "properties": {"field": _STRING, "old": {}, "new": {}, "forces_replacement": {"type": "boolean"}},
}
_MICRO = {"type": "integer", "minimum": 0}
_SIGNED = {"type": "integer"}
_MICRO_OR_NULL = {"type": ["integer", "null"], "minimum": 0}
_JOB_COST = {
    "type": "object",
    "additionalProperties": False,
    "required": list(JOB_COST_KEYS),
    "properties": {
        "flavor": _STRING, "timeout_seconds": {"type": "integer", "minimum": 1},
        "attempts": {"type": "integer", "minimum": 1}, "schedule": {"type": ["string", "null"]},
        "suspend": {"type": "boolean"}, "concurrency": {"type": "boolean"},
        "unit_cost_micro_usd": _MICRO_OR_NULL, "unit_label": {"enum": [*sorted(UNIT_SECONDS), None]},
        "run_ceiling_micro_usd": _MICRO_OR_NULL, "runs": _MICRO_OR_NULL,
        "monthly_ceiling_micro_usd": _MICRO_OR_NULL, "capped": {"type": "boolean"},
    },
}
_CHANGE_COST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["before", "after", "one_off_micro_usd", "monthly_before_micro_usd", "monthly_after_micro_usd",
                 "monthly_delta_micro_usd"],
    "properties": {
        "before": {"anyOf": [{"type": "null"}, _JOB_COST]}, "after": {"anyOf": [{"type": "null"}, _JOB_COST]},
        "one_off_micro_usd": _MICRO_OR_NULL, "monthly_before_micro_usd": _MICRO,
        "monthly_after_micro_usd": _MICRO, "monthly_delta_micro_usd": _SIGNED,
    },
}
_COST_TOTAL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["monthly_before_micro_usd", "monthly_after_micro_usd", "monthly_delta_micro_usd",
                 "one_off_micro_usd", "unknown"],
    "properties": {"monthly_before_micro_usd": _MICRO, "monthly_after_micro_usd": _MICRO,
                   "monthly_delta_micro_usd": _SIGNED, "one_off_micro_usd": _MICRO, "unknown": _STRINGS},
}
_PLAN_COST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["as_of", "window_days", "prices", "prices_error", "total", "by_namespace"],
    "properties": {
        # A year this century: arithmetic on the date (the 30-day window) must not overflow.
        "as_of": {"type": "string", "pattern": r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:00Z$"},
        "window_days": {"const": WINDOW_DAYS},
        "prices": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["unit_cost_micro_usd", "unit_label"],
            "properties": {"unit_cost_micro_usd": _MICRO, "unit_label": {"enum": sorted(UNIT_SECONDS)}}}},
        "prices_error": {"type": ["string", "null"]},
        "total": _COST_TOTAL,
        "by_namespace": {"type": "object", "additionalProperties": _COST_TOTAL},
    },
}
_WEBHOOK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action", "reason", "live_ids", "fields"],
    "properties": {
        "action": {"enum": ["create", "update", "delete"]},
        "reason": _STRING,
        "live_ids": _STRINGS,
        "fields": {"type": "array", "items": _FIELD},
    },
}
_CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "kind", "action", "reason", "namespace", "fields", "live_ids", "operations"],
    "properties": {
        "name": _STRING,
        "kind": {"enum": ["job", "scheduled_job"]},
        "action": {"enum": list(ACTIONS)},
        "reason": _STRING,
        "namespace": _STRING,
        "fields": {"type": "array", "items": _FIELD},
        "live_ids": _STRINGS,
        "operations": {"type": "array", "items": _OPERATION},
        "blocked": _STRING,
        "group": _STRING,
        "webhook": _WEBHOOK,
        "moved_from": _STRING,
        "cost": _CHANGE_COST,
    },
}
PLAN_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["format_version", "hub", "project", "environment", "namespaces", "desired_digest", "live_digest",
                 "summary", "options", "changes", "secret_reads", "unset_at_plan", "left_out", "conflicts"],
    "properties": {
        "format_version": {"const": FORMAT_VERSION},
        "hub": _STRING,
        "project": _STRING,
        "environment": {"type": ["string", "null"]},
        "namespaces": _STRINGS,
        "desired_digest": _STRING,
        "live_digest": _STRING,
        "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
        "options": {
            "type": "object",
            "additionalProperties": False,
            "required": ["allow_empty", "prune", "replace", "targets", "policy_overrides"],
            "properties": {"allow_empty": {"type": "boolean"}, "prune": {"type": "boolean"},
                           "replace": _STRINGS, "targets": _STRINGS,
                           "policy_overrides": {"type": "array", "items": {"enum": list(RULES)}}},
        },
        "changes": {"type": "array", "items": _CHANGE},
        "secret_reads": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["job", "name", "variable", "source"],
            "properties": {"job": _STRING, "name": _STRING, "variable": _STRING, "source": _STRING},
        }},
        "unset_at_plan": _STRINGS,
        "left_out": _STRINGS,
        "conflicts": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["name", "kind", "namespace", "live_ids", "suggestion"],
            "properties": {"name": _STRING, "kind": {"enum": ["job", "scheduled_job"]}, "namespace": _STRING,
                           "live_ids": {**_STRINGS, "minItems": 1}, "suggestion": {"type": ["string", "null"]},
                           "foreign": _STRING},
        }},
        "cost": _PLAN_COST,
        "policy": POLICY_REPORT_SCHEMA,
    },
}
# Whether a variable was set where the plan was made says nothing about the plan itself.
_NOT_COMPARED = ("unset_at_plan",)
_VALIDATOR = Draft202012Validator(PLAN_FILE_SCHEMA)


class SavedPlan:
    """A plan file that parsed: its raw data (compared whole) and the plan it describes."""

    def __init__(self, path: Path, data: Mapping[str, Any]) -> None:
        self.path = path
        self.data = data
        self.plan = Plan.from_dict(dict(data))


# Field values (`old`, `new`) and operations may hold any text (a multi-line command); the renderers
# quote values. Every other string (names, reasons, groups, ids) is shown as is, so it must be printable.
_QUOTED_KEYS = frozenset({"old", "new", "operations"})


def _unprintable(value: Any, where: str = "") -> str | None:
    """The path of the first string outside field values that holds a control character, or None."""
    if isinstance(value, str):
        return None if value.isprintable() else (where or "(top level)")
    if isinstance(value, list):
        return next((found for i, item in enumerate(value) if (found := _unprintable(item, f"{where}[{i}]"))), None)
    if isinstance(value, dict):
        return next((found for key, item in value.items() if key not in _QUOTED_KEYS
                     and (found := _unprintable(item, f"{where}.{key}" if where else key))), None)
    return None


def read_plan_file(path: Path) -> SavedPlan:
    """Parse a plan file strictly; any problem is a `PlanError` naming the file and the bad field."""
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise PlanError(f"{path}: {size} bytes is too large for a plan file (at most {MAX_PLAN_BYTES})")
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"cannot read plan file {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PlanError(f"{path} is not a plan file: not UTF-8 text") from exc
    except RecursionError as exc:
        raise PlanError(f"{path} is not a plan file: its JSON is nested too deeply") from exc
    except ValueError as exc:
        raise PlanError(f"{path} is not a plan file: invalid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise PlanError(f"{path} is not a plan file of format version {FORMAT_VERSION} (made by `plan --out`)")
    if _depth(data) > MAX_DEPTH:  # what follows (validation, comparison, rendering) recurses
        raise PlanError(f"{path} is not a plan file: its JSON is nested more than {MAX_DEPTH} levels deep")
    error = best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        where = _json_path(error.absolute_path) or "(top level)"
        raise PlanError(f"{path} is not a valid plan file: {where}: {_short(error.message)}")
    if (unprintable := _unprintable(data)) is not None:
        raise PlanError(f"{path} is not a valid plan file: {unprintable}: holds a control character")
    for index, change in enumerate(data.get("changes", [])):  # schedules the renderers will read as cron
        for side in ("before", "after"):
            cost = (change.get("cost") or {}).get(side) or {}
            if isinstance(cost.get("schedule"), str) and (problem := schedule_problem(cost["schedule"])):
                raise PlanError(f"{path} is not a valid plan file: changes[{index}].cost.{side}.schedule: "
                                f"{_short(problem)}")
    try:
        return SavedPlan(path, data)
    except ValueError as exc:  # a value the schema cannot judge alone, e.g. a date that does not exist
        raise PlanError(f"{path} is not a valid plan file: {_short(str(exc))}") from exc


def check_same_plan(saved: SavedPlan, fresh: Plan) -> None:
    """Refuse unless `fresh` is exactly the plan saved: same target, same inputs, same changes."""
    plan = saved.plan
    if plan.hub != fresh.hub:
        raise StalePlanError(f"the plan was made against {plan.hub or 'an unknown Hub'}, not {fresh.hub}; "
                             "nothing was changed")
    if plan.namespaces != fresh.namespaces:
        raise StalePlanError(f"the plan was made for namespaces {', '.join(plan.namespaces)}, not "
                             f"{', '.join(fresh.namespaces)}; nothing was changed")
    if plan.project != fresh.project or plan.environment != fresh.environment:
        raise StalePlanError(
            f"the plan is for project {plan.project!r} environment {plan.environment or 'default'!r}, not "
            f"{fresh.project!r} environment {fresh.environment or 'default'!r}; nothing was changed"
        )
    if plan.desired_digest != fresh.desired_digest:
        raise StalePlanError("plan is stale: the manifests changed since it was made; nothing was changed. "
                             "Run plan again")
    if plan.live_digest != fresh.live_digest:
        raise StalePlanError("plan is stale: the jobs on the Hub changed since it was made; nothing was changed. "
                             "Run plan again")
    expected = {k: v for k, v in fresh.to_dict().items() if k not in _NOT_COMPARED}
    recorded = {k: v for k, v in saved.data.items() if k not in _NOT_COMPARED}
    if recorded != expected:
        where = _first_difference(recorded, expected)
        raise StalePlanError(f"{saved.path} does not match the plan computed now ({where}); it was edited or made "
                             "by another version. Nothing was changed. Run plan again")


def _depth(data: Any) -> int:
    """How deeply `data` nests, counted without recursion (the data is hostile)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def _first_difference(saved: Mapping[str, Any], fresh: Mapping[str, Any]) -> str:
    for key in sorted(set(saved) | set(fresh)):
        if key == "changes":
            continue
        if saved.get(key) != fresh.get(key):
            return f"{key} differs"
    saved_changes, fresh_changes = list(saved.get("changes", ())), list(fresh.get("changes", ()))
    for index, (left, right) in enumerate(zip(saved_changes, fresh_changes, strict=False)):
        if left != right:
            keys = sorted(k for k in set(left) | set(right) if left.get(k) != right.get(k))
            return f"change {index + 1} ({right.get('name')}) differs in {', '.join(keys)}"
    return f"the saved plan has {len(saved_changes)} changes, the plan computed now {len(fresh_changes)}"


def _json_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(message: str) -> str:
    # jsonschema's messages quote the offending value; a plan value can be long, so keep them short.
    return message if len(message) <= 200 else message[:197] + "..."
