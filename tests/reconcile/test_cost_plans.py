"""Cost in plans, against the fake Hub: before → after per change, the plan totals, unknown prices, an
unreadable price list, and saved plans that carry their prices (hand-computed from the published table)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.manifests import load_specs
from hfjobs_spec.commands.pricing import read_prices
from hfjobs_spec.errors import HubTransportError, StalePlanError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import HardwarePrice
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.output.plan_json import render_plan_json
from hfjobs_spec.output.plan_markdown import render_plan_markdown
from hfjobs_spec.output.plan_text import render_plan
from hfjobs_spec.reconcile.cost import ChangeCost
from hfjobs_spec.reconcile.plan import Plan
from hfjobs_spec.reconcile.plan_file import check_same_plan, read_plan_file

from .conftest import FAST
from .helpers import Session, one_shot, scheduled, write_project

NOW = datetime(2026, 12, 1, 23, 50, 31, tzinfo=UTC)  # the plan's time: 23:50, a Tuesday
SIX_HOURLY = scheduled("train", "0 */6 * * *", flavor="a10g-large", timeout="2h", attempts="3")


def priced(session: Session, now: datetime = NOW) -> Plan:
    settings = session.settings()
    project, specs = load_specs(settings.manifests, session.environ)
    return reconcile.make_plan(project, specs, session.backend, reconcile.diff_options(settings, project),
                               session.environ, priced=True, now=now).plan


def by_name(plan: Plan) -> dict[str, ChangeCost]:
    costs = {c.name: c.cost for c in plan.changes if c.cost is not None}
    assert len(costs) == len(plan.changes)  # a priced plan prices every change
    return costs


def test_the_hardware_list_is_read_through_the_port_on_fake_and_localhub(backend: HubBackend) -> None:
    prices = read_prices(backend)
    assert prices.error is None and len(prices.prices) == 26
    assert prices.prices["cpu-basic"] == HardwarePrice("cpu-basic", 167, "minute")
    assert prices.prices["a10g-large"].unit_cost_micro_usd == 25_000


def test_a_new_schedule_and_a_run_have_their_ceilings_and_the_plan_its_totals(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": SIX_HOURLY, "b": one_shot("smoke", flavor="t4-small", timeout="10m")})
    plan = priced(session)
    train = next(c for c in plan.changes if c.name == "train").cost
    assert train is not None and train.before is None and train.after is not None
    assert (train.after.run_ceiling_micro_usd, train.after.runs, train.monthly_after) == (9_000_000, 120, 1_080_000_000)
    smoke = next(c for c in plan.changes if c.name == "smoke").cost
    assert smoke is not None and smoke.one_off_micro_usd == 6_667 * 10 == 66_670
    assert plan.cost is not None and plan.cost.as_of == datetime(2026, 12, 1, 23, 50, tzinfo=UTC)
    total = plan.cost.total
    assert (total.monthly_before, total.monthly_after, total.one_off, total.unknown) == (0, 1_080_000_000, 66_670, ())
    assert plan.cost.by_namespace["alice"] == total
    assert set(plan.cost.prices.prices) == {"a10g-large", "t4-small"}  # only the flavors it uses
    assert hub.calls["list_hardware"] == 1  # one request per plan
    text = render_plan(plan)
    assert "Monthly ceiling: $0.00 → $1,080.00 (+$1,080.00)" in text
    assert "One-off ceiling of the runs apply starts: $0.07" in text
    assert "a run up to $9.00 (2h × 3 attempts at $1.50/h); 120 runs in 30 days, up to $1,080.00" in text
    data = json.loads(render_plan_json(plan))
    assert data["cost"]["total"]["monthly_after_micro_usd"] == 1_080_000_000
    after = next(c for c in data["changes"] if c["name"] == "train")["cost"]["after"]
    assert after["unit_cost_micro_usd"] * after["timeout_seconds"] // 60 * after["attempts"] * after["runs"] == \
        after["monthly_ceiling_micro_usd"]  # a reader can redo the arithmetic from the inputs
    assert "💰 **Monthly ceiling: $0.00 → $1,080.00 (+$1,080.00)**" in render_plan_markdown(plan)


def test_a_cron_typo_shows_before_and_after(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("nightly", "0 3 * * *", flavor="a10g-large", timeout="1h")})
    assert session.apply().ok
    write_project(session.root, {"a": scheduled("nightly", "0 * * * *", flavor="a10g-large", timeout="1h")})
    plan = priced(session)
    (change,) = plan.pending
    cost = change.cost
    assert change.action == "update" and cost is not None and cost.before and cost.after
    assert (cost.before.runs, cost.after.runs) == (30, 720)
    assert (cost.monthly_before, cost.monthly_after) == (30 * 1_500_000, 720 * 1_500_000)
    assert plan.cost is not None and plan.cost.total.monthly_delta == 1_035_000_000
    text = render_plan(plan)
    assert "monthly ceiling: $45.00 → $1,080.00 (+$1,035.00)" in text
    assert "next runs before: Wed 12-02 03:00, Thu 12-03 03:00, Fri 12-04 03:00 UTC" in text
    assert "next runs after:  Wed 12-02 00:00, Wed 12-02 01:00, Wed 12-02 02:00 UTC" in text
    markdown = render_plan_markdown(plan)
    assert "| update | `nightly` | a10g-large | $1.50 (1h at $1.50/h) | 30 → 720 | $45.00 → $1,080.00 (+$1,035.00) |" \
        in markdown
    assert "```mermaid\ngantt\n" in markdown and "section nightly after (168 runs, a bar per day)" in markdown
    assert "section nightly before (7 runs)" in markdown and "1h :done, 2026-12-02 03:00, 60m" in markdown


def test_replace_suspend_and_delete(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("a", "@daily", flavor="t4-small"),
                                 "b": scheduled("b", "@daily"), "c": scheduled("c", "@daily", flavor="l4x1")})
    assert session.apply().ok
    write_project(session.root, {"a": scheduled("a", "@daily", flavor="a100-large"),
                                 "b": scheduled("b", "@daily", suspend="true")})
    costs = by_name(priced(session))
    a, b, c = costs["a"], costs["b"], costs["c"]
    # Default timeout 30 minutes: t4-small 6,667 × 30 = 200,010 a run, a100-large 41,667 × 30 = 1,250,010.
    assert a.monthly_before == 30 * 200_010 and a.monthly_after == 30 * 1_250_010
    assert b.monthly_before == 30 * 167 * 30 and b.monthly_after == 0
    assert c.monthly_before == 30 * 13_333 * 30 and c.after is None


def test_unknown_flavor_is_price_unknown_and_named(session: Session, hub: FakeHub) -> None:
    hub.hardware = [price for price in hub.hardware if price.name != "h200"]
    write_project(session.root, {"a": scheduled("big", "@daily", flavor="h200"), "b": scheduled("small", "@daily")})
    plan = priced(session)
    assert plan.cost is not None and plan.cost.total.unknown == ("big",)
    assert plan.cost.total.monthly_after == 30 * 167 * 30
    text = render_plan(plan)
    assert "price unknown (flavor 'h200' is not in the Hub's price list)" in text
    assert "warning: price unknown for big: left out of the totals" in text
    assert "**Price unknown** (left out of the totals): `big`" in render_plan_markdown(plan)


def test_plan_still_works_when_the_price_list_cannot_be_read(session: Session, hub: FakeHub) -> None:
    hub.fail_next("list_hardware", HubTransportError("connection refused"), times=FAST.attempts)
    write_project(session.root, {"a": SIX_HOURLY})
    plan = priced(session)
    assert [c.action for c in plan.changes] == ["create"]
    assert plan.cost is not None and plan.cost.prices.error is not None
    assert "could not be read" in plan.cost.prices.error and plan.cost.total.unknown == ("train",)
    assert "warning: the Hub's hardware list could not be read" in render_plan(plan)


def test_runs_of_a_job_that_cannot_overlap_are_capped(session: Session, hub: FakeHub) -> None:
    write_project(session.root, {"a": scheduled("tick", "* * * * *"),
                                 "b": scheduled("tock", "* * * * *", concurrency="true")})
    costs = by_name(priced(session))
    tick = costs["tick"].after
    assert tick is not None and tick.capped and costs["tick"].monthly_after == 167 * (43_200 + 30)
    assert costs["tock"].monthly_after == 43_200 * 5_010


def test_a_saved_plan_carries_its_prices_and_a_price_change_makes_it_stale(session: Session, hub: FakeHub,
                                                                              tmp_path: Path) -> None:
    write_project(session.root, {"a": SIX_HOURLY})
    saved_path = tmp_path / "plan.json"
    saved_path.write_text(render_plan_json(priced(session)))
    saved = read_plan_file(saved_path)
    assert saved.plan.cost is not None and saved.plan.cost.total.monthly_after == 1_080_000_000
    later = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    # apply prices its fresh plan at the saved plan's time, so the clock moving on changes nothing...
    check_same_plan(saved, priced(session, saved.plan.cost.as_of))
    assert priced(session, later).cost != saved.plan.cost
    # ...but a new price on the Hub does: the plan a reviewer approved is not the one apply would carry out.
    hub.hardware = [dataclasses.replace(p, unit_cost_micro_usd=30_000) if p.name == "a10g-large" else p
                    for p in hub.hardware]
    with pytest.raises(StalePlanError, match=r"cost differs|differs in cost"):
        check_same_plan(saved, priced(session, saved.plan.cost.as_of))


def test_an_edited_cost_in_a_saved_plan_is_refused(session: Session, tmp_path: Path) -> None:
    write_project(session.root, {"a": SIX_HOURLY})
    data = json.loads(render_plan_json(priced(session)))
    data["changes"][0]["cost"]["after"]["monthly_ceiling_micro_usd"] = 1
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    with pytest.raises(StalePlanError, match="differs in cost"):
        check_same_plan(read_plan_file(path), priced(session))
    data["cost"]["as_of"] = "2026-02-31T00:00:00Z"
    path.write_text(json.dumps(data))
    from hfjobs_spec.errors import PlanError

    with pytest.raises(PlanError, match="not a valid plan file"):
        read_plan_file(path)
