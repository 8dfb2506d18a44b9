"""The Hub's price list for a plan: one request, made side by side with the live state, never fatal.

A plan must still work when the list cannot be read (a demanding user reviews changes during an
outage too): every amount is then "price unknown" and the plan says why.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from hfjobs_spec.errors import HubError
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.reconcile.cost import PriceTable


def read_prices(backend: HubBackend) -> PriceTable:
    """The price table, or an empty one that says why the Hub's hardware list could not be read."""
    try:
        return PriceTable.of(backend.list_hardware())
    except HubError as exc:
        return PriceTable.unavailable(f"the Hub's hardware list could not be read ({exc}); every price is unknown")


class PricesInFlight:
    """`with PricesInFlight(backend) as prices:` starts the request; `prices.result()` waits for it."""

    def __init__(self, backend: HubBackend) -> None:
        self._backend = backend
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prices")
        self._future: Future[PriceTable] | None = None

    def __enter__(self) -> PricesInFlight:
        self._future = self._pool.submit(read_prices, self._backend)
        return self

    def result(self) -> PriceTable:
        assert self._future is not None, "use PricesInFlight as a context manager"
        return self._future.result()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
