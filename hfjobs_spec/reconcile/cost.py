"""Cost ceilings, computed exactly from the Hub's price list: pure functions over integers.

Money is integer micro-dollars (the Hub's `unitCostMicroUSD` is an integer per `unitLabel`, a
minute), so a total is a sum of integers: no float and no rounding surprise. The one division
(seconds by the unit's length) rounds up, once per run, because a ceiling must never understate.

- a run's ceiling: price per second × timeout × attempts (a job without a timeout gets the Hub's
  default, 30 minutes; attempts are retries of the same run, one after another);
- a schedule's runs: its ticks in the window (plan time, plan time + 30 days], UTC;
- the monthly ceiling: runs × run ceiling; with `concurrency: false` runs never overlap (the Hub
  skips a tick while a run is active), so it is also capped at one run at a time for the whole
  window plus one run's length; a suspended job costs nothing;
- a flavor missing from the list (or a list that could not be read) is "price unknown", never a
  guess: its amounts are None and totals name it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hfjobs_spec.hub.model import HardwarePrice, LiveScheduledJob
from hfjobs_spec.manifest.model import DEFAULT_TIMEOUT_SECONDS, JobSpec
from hfjobs_spec.reconcile.ticks import count_runs

MICRO = 1_000_000
WINDOW_DAYS = 30
UNIT_SECONDS: Mapping[str, int] = {"second": 1, "minute": 60, "hour": 3600}


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


@dataclass(frozen=True)
class PriceTable:
    """The prices a plan was made with, by flavor. `error` says why the Hub's list could not be read."""

    prices: Mapping[str, HardwarePrice] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def of(cls, items: Iterable[HardwarePrice]) -> PriceTable:
        """A table from the Hub's list; an entry with a negative price or an unknown unit is left out
        (its flavor is then "price unknown"): the Hub's answer is input like any other."""
        usable = {item.name: item for item in items
                  if item.unit_label in UNIT_SECONDS and item.unit_cost_micro_usd >= 0}
        return cls(dict(sorted(usable.items())))

    @classmethod
    def unavailable(cls, reason: str) -> PriceTable:
        return cls({}, reason)

    def price(self, flavor: str) -> HardwarePrice | None:
        return self.prices.get(flavor)

    def only(self, flavors: Iterable[str]) -> PriceTable:
        """The part a plan records: the flavors it uses."""
        wanted = set(flavors)
        return PriceTable({name: p for name, p in self.prices.items() if name in wanted}, self.error)


def run_ceiling(price: HardwarePrice, timeout_seconds: int, attempts: int) -> int:
    """The most one run can cost, in micro-dollars: every attempt running to the timeout."""
    return _ceil_div(price.unit_cost_micro_usd * timeout_seconds * attempts, UNIT_SECONDS[price.unit_label])


def hourly_price(price: HardwarePrice) -> int:
    """Micro-dollars per hour (exact for per-minute and per-second prices)."""
    return _ceil_div(price.unit_cost_micro_usd * 3600, UNIT_SECONDS[price.unit_label])


@dataclass(frozen=True)
class CostWindow:
    """The 30 days a monthly ceiling counts runs in: (start, start + days], start being the plan's time."""

    start: datetime
    days: int = WINDOW_DAYS

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


@dataclass(frozen=True)
class JobCost:
    """One job revision's cost: the inputs (so a reader can check the arithmetic) and the results.

    `runs` and `monthly_ceiling_micro_usd` are None for a one-shot job; amounts are None when the
    flavor's price is unknown. `capped` says the concurrency cap set the monthly ceiling.
    """

    flavor: str
    timeout_seconds: int
    attempts: int
    schedule: str | None = None
    suspend: bool = False
    concurrency: bool = False
    unit_cost_micro_usd: int | None = None
    unit_label: str | None = None
    run_ceiling_micro_usd: int | None = None
    runs: int | None = None
    monthly_ceiling_micro_usd: int | None = None
    capped: bool = False

    @property
    def known(self) -> bool:
        return self.unit_cost_micro_usd is not None

    @property
    def monthly(self) -> int:
        """The monthly ceiling, 0 for one-shot jobs and unknown prices (see `known`)."""
        return self.monthly_ceiling_micro_usd or 0

    def to_dict(self) -> dict[str, Any]:
        return {"flavor": self.flavor, "timeout_seconds": self.timeout_seconds, "attempts": self.attempts,
                "schedule": self.schedule, "suspend": self.suspend, "concurrency": self.concurrency,
                "unit_cost_micro_usd": self.unit_cost_micro_usd, "unit_label": self.unit_label,
                "run_ceiling_micro_usd": self.run_ceiling_micro_usd, "runs": self.runs,
                "monthly_ceiling_micro_usd": self.monthly_ceiling_micro_usd, "capped": self.capped}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobCost:
        return cls(**{key: data[key] for key in JOB_COST_KEYS})


JOB_COST_KEYS: tuple[str, ...] = tuple(JobCost.__dataclass_fields__)


def job_cost(flavor: str, timeout_seconds: int | None, attempts: int | None, prices: PriceTable, window: CostWindow,
             *, schedule: str | None = None, suspend: bool = False, concurrency: bool = False) -> JobCost:
    """The cost of one job revision; a missing timeout is the Hub's default, missing attempts one."""
    timeout = timeout_seconds if timeout_seconds else DEFAULT_TIMEOUT_SECONDS
    tries = attempts if attempts else 1
    runs = None if schedule is None else (0 if suspend else count_runs(schedule, window.start, window.end))
    base = JobCost(flavor, timeout, tries, schedule, suspend, concurrency, runs=runs)
    price = prices.price(flavor)
    if price is None:
        return base
    ceiling = run_ceiling(price, timeout, tries)
    monthly, capped = None, False
    if runs is not None:
        monthly = runs * ceiling
        if not concurrency and runs:
            cap = run_ceiling(price, window.days * 86_400 + timeout * tries, 1)
            monthly, capped = min(monthly, cap), cap < monthly
    return JobCost(flavor, timeout, tries, schedule, suspend, concurrency, price.unit_cost_micro_usd,
                   price.unit_label, ceiling, runs, monthly, capped)


def spec_cost(spec: JobSpec, prices: PriceTable, window: CostWindow) -> JobCost:
    """What a declared job costs."""
    return job_cost(spec.flavor, spec.timeout, spec.attempts, prices, window, schedule=spec.schedule,
                    suspend=spec.suspend, concurrency=spec.concurrency)


def live_cost(job: LiveScheduledJob, prices: PriceTable, window: CostWindow) -> JobCost:
    """What a scheduled job on the Hub costs (as the Hub reports it)."""
    return job_cost(job.spec.flavor, job.spec.timeout, job.spec.attempts, prices, window, schedule=job.schedule,
                    suspend=job.suspend, concurrency=job.concurrency)


@dataclass(frozen=True)
class ChangeCost:
    """One change's cost: the job before and after (None where there is none) and what the runs it
    starts itself may cost (`one_off_micro_usd`: 0 when it starts none, None when the price is unknown)."""

    before: JobCost | None = None
    after: JobCost | None = None
    one_off_micro_usd: int | None = 0

    @property
    def monthly_before(self) -> int:
        return self.before.monthly if self.before else 0

    @property
    def monthly_after(self) -> int:
        return self.after.monthly if self.after else 0

    @property
    def monthly_delta(self) -> int:
        return self.monthly_after - self.monthly_before

    @property
    def run_ceiling_after(self) -> int | None:
        """The most one run of the job as declared can cost (None: unknown price or nothing after)."""
        return self.after.run_ceiling_micro_usd if self.after else None

    @property
    def unknown(self) -> bool:
        """Some amount this change counts could not be priced (a suspended job's zero is known)."""
        return self.one_off_micro_usd is None or any(
            cost is not None and cost.schedule is not None and not cost.suspend and not cost.known
            for cost in (self.before, self.after))

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before.to_dict() if self.before else None,
                "after": self.after.to_dict() if self.after else None,
                "one_off_micro_usd": self.one_off_micro_usd,
                "monthly_before_micro_usd": self.monthly_before, "monthly_after_micro_usd": self.monthly_after,
                "monthly_delta_micro_usd": self.monthly_delta}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChangeCost:
        before, after = data["before"], data["after"]
        return cls(JobCost.from_dict(before) if before is not None else None,
                   JobCost.from_dict(after) if after is not None else None, data["one_off_micro_usd"])


@dataclass(frozen=True)
class CostTotal:
    """Sums over changes: monthly ceilings before and after, one-off ceilings, and the names priced unknown
    (their amounts are left out of the sums, which are then lower bounds)."""

    monthly_before: int = 0
    monthly_after: int = 0
    one_off: int = 0
    unknown: tuple[str, ...] = ()

    @property
    def monthly_delta(self) -> int:
        return self.monthly_after - self.monthly_before

    def to_dict(self) -> dict[str, Any]:
        return {"monthly_before_micro_usd": self.monthly_before, "monthly_after_micro_usd": self.monthly_after,
                "monthly_delta_micro_usd": self.monthly_delta, "one_off_micro_usd": self.one_off,
                "unknown": list(self.unknown)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostTotal:
        return cls(data["monthly_before_micro_usd"], data["monthly_after_micro_usd"], data["one_off_micro_usd"],
                   tuple(data["unknown"]))


def total_cost(items: Iterable[tuple[str, ChangeCost]]) -> CostTotal:
    """Add up `(name, cost)` pairs."""
    before = after = one_off = 0
    unknown: set[str] = set()
    for name, cost in items:
        before += cost.monthly_before
        after += cost.monthly_after
        one_off += cost.one_off_micro_usd or 0
        if cost.unknown:
            unknown.add(name)
    return CostTotal(before, after, one_off, tuple(sorted(unknown)))


@dataclass(frozen=True)
class PlanCost:
    """A plan's cost: when it was computed, the prices used, the total, and the total per namespace.

    A plan covers one project environment, so `total` is that environment's (the hook for policy).
    """

    as_of: datetime
    prices: PriceTable
    total: CostTotal
    by_namespace: Mapping[str, CostTotal]
    days: int = WINDOW_DAYS

    @property
    def window(self) -> CostWindow:
        return CostWindow(self.as_of, self.days)

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": iso(self.as_of), "window_days": self.days,
                "prices": {name: {"unit_cost_micro_usd": p.unit_cost_micro_usd, "unit_label": p.unit_label}
                           for name, p in sorted(self.prices.prices.items())},
                "prices_error": self.prices.error, "total": self.total.to_dict(),
                "by_namespace": {ns: total.to_dict() for ns, total in sorted(self.by_namespace.items())}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanCost:
        prices = {name: HardwarePrice(name, p["unit_cost_micro_usd"], p["unit_label"])
                  for name, p in data["prices"].items()}
        return cls(parse_iso(data["as_of"]), PriceTable(prices, data["prices_error"]),
                   CostTotal.from_dict(data["total"]),
                   {ns: CostTotal.from_dict(t) for ns, t in data["by_namespace"].items()}, data["window_days"])


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def plan_time(now: datetime) -> datetime:
    """A plan's time: UTC, to the minute (cron's resolution), so that plans of the same minute are equal."""
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def format_usd(micro: int) -> str:
    """`$1,080.00`; below a cent, the exact amount (`$0.00501`), so a small ceiling never shows as $0.00."""
    sign = "-" if micro < 0 else ""
    amount = Decimal(abs(micro)) / MICRO
    if 0 < abs(micro) < 10_000:
        return f"{sign}${amount.normalize():f}"
    return f"{sign}${amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def format_delta(micro: int) -> str:
    return ("+" if micro >= 0 else "") + format_usd(micro)
