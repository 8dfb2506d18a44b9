"""The plan as versioned, deterministic JSON (also the saved-plan file format)."""

from __future__ import annotations

import json

from hfjobs_spec.reconcile.plan import Plan


def render_plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
