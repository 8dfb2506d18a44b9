"""`hfjobs-spec cost`: every declared job's ceilings, totals per namespace and for the project, and
(with `--live`) what the managed runs of the last 30 days cost. Pure: the Hub's answers are inputs.

A run's actual cost is its RUNNING time as the Hub reports it (`durations.runningSecs`) × its
flavor's price, rounded up to the micro-dollar once per run. A run counts in the 30 days it
started in; one that never started cost nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hfjobs_spec import labels as L
from hfjobs_spec.hub.model import LiveRun
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.reconcile.cost import (
    UNIT_SECONDS,
    CostWindow,
    JobCost,
    PriceTable,
    hourly_price,
    iso,
    plan_time,
    spec_cost,
)


@dataclass(frozen=True)
class Spend:
    """What runs cost: how many, the sum priced, and how many could not be priced."""

    runs: int = 0
    micro_usd: int = 0
    unpriced: int = 0

    def __add__(self, other: Spend) -> Spend:
        return Spend(self.runs + other.runs, self.micro_usd + other.micro_usd, self.unpriced + other.unpriced)

    def to_dict(self) -> dict[str, int]:
        return {"runs": self.runs, "micro_usd": self.micro_usd, "unpriced_runs": self.unpriced}


@dataclass(frozen=True)
class CostRow:
    """One job: its ceilings if declared (`cost`), and its last 30 days if asked (`live`)."""

    name: str
    namespace: str
    cost: JobCost | None
    hourly_micro_usd: int | None = None
    live: Spend | None = None

    @property
    def kind(self) -> str:
        if self.cost is None:
            return "not declared"
        return "scheduled_job" if self.cost.schedule is not None else "job"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "namespace": self.namespace, "kind": self.kind,
                "hourly_micro_usd": self.hourly_micro_usd, "cost": self.cost.to_dict() if self.cost else None,
                "live": self.live.to_dict() if self.live else None}


@dataclass(frozen=True)
class CostTotals:
    """Monthly ceilings of the scheduled jobs, one-run ceilings of the one-shot jobs, and live spend."""

    monthly: int = 0
    one_off: int = 0
    live: Spend | None = None
    unknown: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"monthly_ceiling_micro_usd": self.monthly, "one_off_ceiling_micro_usd": self.one_off,
                "live": self.live.to_dict() if self.live else None, "unknown": list(self.unknown)}


@dataclass(frozen=True)
class CostReport:
    project: str
    environment: str | None
    as_of: datetime
    rows: tuple[CostRow, ...]
    total: CostTotals
    by_namespace: Mapping[str, CostTotals] = field(default_factory=dict)
    prices_error: str | None = None
    live: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"project": self.project, "environment": self.environment, "as_of": iso(self.as_of),
                "window_days": 30, "live_since": iso(self.as_of - timedelta(days=30)) if self.live else None,
                "prices_error": self.prices_error, "jobs": [row.to_dict() for row in self.rows],
                "by_namespace": {ns: t.to_dict() for ns, t in sorted(self.by_namespace.items())},
                "total": self.total.to_dict()}


def run_spend(run: LiveRun, prices: PriceTable) -> Spend:
    """One run's actual cost (0 runs if it never started)."""
    if run.started_at is None:
        return Spend()
    price = prices.price(run.spec.flavor)
    if price is None or run.running_seconds is None:
        return Spend(1, 0, 1)
    billed = -(-price.unit_cost_micro_usd * run.running_seconds // UNIT_SECONDS[price.unit_label])
    return Spend(1, billed, 0)


def cost_report(project: str, environment: str | None, specs: Sequence[JobSpec], prices: PriceTable, now: datetime,
                runs: Sequence[LiveRun] | None = None) -> CostReport:
    """The report for `specs` (namespaces resolved) as of `now`; `runs` are the managed runs read with --live."""
    as_of = plan_time(now)
    window = CostWindow(as_of)
    spent = _spend_by_job(runs, environment or L.DEFAULT_ENVIRONMENT, prices, now) if runs is not None else {}
    rows: list[CostRow] = []
    for spec in sorted(specs, key=lambda s: (s.namespace or "", s.name)):
        price = prices.price(spec.flavor)
        ns = spec.namespace or ""
        live = spent.pop((ns, spec.name), Spend()) if runs is not None else None
        rows.append(CostRow(spec.name, ns, spec_cost(spec, prices, window),
                            hourly_price(price) if price else None, live))
    rows += [CostRow(name, ns, None, live=live) for (ns, name), live in sorted(spent.items())]
    namespaces = sorted({row.namespace for row in rows})
    by_namespace = {ns: _totals([r for r in rows if r.namespace == ns], runs is not None) for ns in namespaces}
    return CostReport(project, environment, as_of, tuple(rows), _totals(rows, runs is not None), by_namespace,
                      prices.error, runs is not None)


def _spend_by_job(runs: Sequence[LiveRun], environment: str, prices: PriceTable,
                  now: datetime) -> dict[tuple[str, str], Spend]:
    since = now - timedelta(days=30)
    found: dict[tuple[str, str], Spend] = {}
    seen: set[str] = set()
    for run in runs:
        name = run.labels.get(L.MANIFEST_NAME)
        if (run.id in seen or not name or L.MANAGED_BY not in run.labels
                or run.labels.get(L.ENVIRONMENT, L.DEFAULT_ENVIRONMENT) != environment
                or run.started_at is None or run.started_at <= since):
            continue
        seen.add(run.id)
        key = (run.namespace, name)
        found[key] = found.get(key, Spend()) + run_spend(run, prices)
    return found


def _totals(rows: Sequence[CostRow], live: bool) -> CostTotals:
    monthly = one_off = 0
    spend = Spend()
    unknown: list[str] = []
    for row in rows:
        if row.cost is not None:
            if row.cost.schedule is not None:
                monthly += row.cost.monthly
                if not row.cost.known and not row.cost.suspend:
                    unknown.append(row.name)
            elif row.cost.run_ceiling_micro_usd is None:
                unknown.append(row.name)
            else:
                one_off += row.cost.run_ceiling_micro_usd
        if row.live is not None:
            spend += row.live
    return CostTotals(monthly, one_off, spend if live else None, tuple(sorted(set(unknown))))

