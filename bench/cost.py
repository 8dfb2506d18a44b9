"""Cost figures, pure (no Hub): what pricing a plan adds, and why ticks are not walked one by one.

    python bench/cost.py [--jobs 1000] [--runs 5]

Printed (targets in brackets):

1. runs in 30 days of an every-minute schedule: `reconcile.ticks.count_runs` vs walking croniter's
   `get_next` tick by tick (43,200 steps) [count_runs under 5 ms].
2. the cost pass (`with_costs`) over a plan of --jobs changes, half scheduled (hourly, nightly,
   every 5 minutes), half one-shot [under 100 ms for 1,000].
3. the Markdown plan of 500 rescheduled jobs (cost table, schedules, gantt) and its length
   [at most 60,000 characters].

Every figure is the min and median of --runs runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hfjobs_spec.hub.fake import PUBLISHED_PRICES
from hfjobs_spec.hub.model import HardwarePrice
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.output.plan_markdown import MAX_CHARS, render_plan_markdown
from hfjobs_spec.reconcile.cost import PriceTable
from hfjobs_spec.reconcile.cost_plan import with_costs
from hfjobs_spec.reconcile.live import LiveState
from hfjobs_spec.reconcile.plan import Change, FieldDiff, Operation, Plan
from hfjobs_spec.reconcile.ticks import count_runs

NOW = datetime(2026, 12, 1, 23, 50, tzinfo=UTC)
PRICES = PriceTable.of(HardwarePrice(name, micro, "minute") for name, micro in PUBLISHED_PRICES.items())
SCHEDULES = ("@hourly", "0 3 * * *", "*/5 * * * *")


def timed(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - began)
    return min(seconds), statistics.median(seconds)


def walk(schedule: str) -> int:
    from croniter import croniter

    it, end, count = croniter(schedule, NOW), NOW + timedelta(days=30), 0
    while it.get_next(datetime) <= end:
        count += 1
    return count


def spec(index: int) -> JobSpec:
    scheduled = index % 2 == 0
    return JobSpec(name=f"job-{index:05d}", namespace="acme", image="python:3.12", command=("true",), script=None,
                   script_args=(), dependencies=(), python=None,
                   flavor=("a10g-large", "cpu-basic", "t4-small")[index % 3],
                   timeout=3600, attempts=1 + index % 3, env=(), secrets=(), labels=(), volumes=(), expose=(),
                   expose_public=(), schedule=SCHEDULES[index % 3] if scheduled else None, suspend=False,
                   concurrency=False, protect=False)


def plan_of(specs: list[JobSpec]) -> Plan:
    changes = tuple(Change(s.name, s.kind, "create", "new", "acme",
                           operations=(Operation("create_scheduled" if s.schedule else "run", "acme"),))
                    for s in specs)
    return Plan(project="bench", environment=None, namespaces=("acme",), changes=changes, desired_digest="d",
                live_digest="l")


def rescheduled(count: int) -> Plan:
    specs = [spec(2 * i) for i in range(count)]
    plan = Plan(project="bench", environment=None, namespaces=("acme",), desired_digest="d", live_digest="l",
                changes=tuple(Change(s.name, "scheduled_job", "create", "new", "acme",
                                     fields=(FieldDiff("schedule", None, s.schedule),),
                                     operations=(Operation("create_scheduled", "acme"),)) for s in specs))
    return with_costs(plan, specs, LiveState(namespaces=("acme",)), PRICES, NOW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    count_runs("* * * * *", NOW, NOW + timedelta(days=30))  # croniter imported once, outside the timing
    uncached = count_runs.__wrapped__  # the plan caches by (schedule, window); time the work itself
    fast = timed(args.runs, lambda: uncached("* * * * *", NOW, NOW + timedelta(days=30)))
    slow = timed(max(1, args.runs // 5), lambda: walk("* * * * *"))
    print(f"1. every-minute schedule, runs in 30 days ({count_runs('* * * * *', NOW, NOW + timedelta(days=30)):,}):"
          f" count_runs min {fast[0] * 1e3:.2f} ms, median {fast[1] * 1e3:.2f} ms (target < 5 ms); "
          f"walking croniter min {slow[0]:.2f} s")
    specs = [spec(i) for i in range(args.jobs)]
    plan = plan_of(specs)
    live = LiveState(namespaces=("acme",))
    def cost_pass() -> Plan:
        count_runs.cache_clear()  # as a fresh process would
        return with_costs(plan, specs, live, PRICES, NOW)

    costed = timed(args.runs, cost_pass)
    print(f"2. cost pass over {args.jobs:,} changes: min {costed[0] * 1e3:.1f} ms, median {costed[1] * 1e3:.1f} ms "
          "(target < 100 ms for 1,000)")
    big = rescheduled(500)
    rendered = timed(args.runs, lambda: render_plan_markdown(big))
    length = len(render_plan_markdown(big))
    print(f"3. Markdown plan of 500 new schedules: {length:,} characters (limit {MAX_CHARS:,}), render min "
          f"{rendered[0] * 1e3:.1f} ms, median {rendered[1] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
