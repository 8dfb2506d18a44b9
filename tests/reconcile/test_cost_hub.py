"""The hardware list as the real adapter reads it from a hostile Hub: odd entries are "price unknown",
a body of the wrong shape is a warning in the plan, never a crash."""

from __future__ import annotations

from typing import Any

import pytest

from hfjobs_spec.commands.pricing import read_prices
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy

from .scripted_server import Answer, scripted_server

TOKEN = "hf_costtest0123456789abcdefghijklmnop"


@pytest.fixture(autouse=True)
def _our_http_client() -> None:
    install_http_client()


def entry(name: str, micro: Any, unit: Any = "minute") -> dict[str, Any]:
    return {"name": name, "prettyName": name, "cpu": "2 vCPU", "ram": "16 GB", "unitCostMicroUSD": micro,
            "unitCostUSD": 0.0, "unitLabel": unit}


def prices_from(body: Any) -> Any:
    with scripted_server(lambda seen: Answer(200, body)) as hub:
        backend = RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN), RetryPolicy(attempts=1))
        table = read_prices(backend)
        assert [seen.path for seen in hub.seen] == ["/api/jobs/hardware"]
        return table


def test_odd_entries_are_price_unknown_and_the_rest_is_kept() -> None:
    table = prices_from([entry("good", 25_000), entry("float", 1.5), entry("text", "100"), entry("bool", True),
                         entry("negative", -5), entry("weekly", 100, "week"), entry("hourly", 60_000, "hour")])
    assert table.error is None
    assert {name: (p.unit_cost_micro_usd, p.unit_label) for name, p in table.prices.items()} == {
        "good": (25_000, "minute"), "hourly": (60_000, "hour")}


def test_a_body_of_the_wrong_shape_leaves_every_price_unknown() -> None:
    bodies: list[Any] = [{"not": "a list"}, [{"name": "no price"}], ["text"], None]
    with scripted_server(lambda seen: Answer(200, bodies[len(hub.seen) - 1])) as hub:
        backend = RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN), RetryPolicy(attempts=1))
        for _ in bodies:
            table = read_prices(backend)
            assert table.prices == {} and table.error is not None and "could not be read" in table.error


def test_an_error_answer_leaves_every_price_unknown() -> None:
    with scripted_server(lambda seen: Answer(500, {"error": "hardware service down"})) as hub:
        table = read_prices(RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN), RetryPolicy(attempts=1)))
    assert table.prices == {} and table.error is not None and "hardware service down" in table.error
