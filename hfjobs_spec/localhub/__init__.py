"""localhub: a faithful local stand-in for the Hub Jobs REST API, over real HTTP on loopback.

The production code path (`huggingface_hub.HfApi`) runs against it unchanged; only the endpoint
differs. State lives in SQLite, time comes from an injectable clock, and faults can be injected.
See docs/localhub.md. Nothing here imports `huggingface_hub`.

Names are imported on first use, so that the main CLI can attach the `localhub` command group
without paying for the HTTP server's imports on every start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hfjobs_spec.localhub.clock import Clock
    from hfjobs_spec.localhub.common import DEFAULT_PAGE_SIZE
    from hfjobs_spec.localhub.faults import FaultInjector, FaultRule
    from hfjobs_spec.localhub.lifecycle import ENV_LOGS, ENV_OUTCOME, ENV_RUN_SECONDS, ENV_SCHEDULING_SECONDS
    from hfjobs_spec.localhub.server import LocalHub

_EXPORTS = {
    "Clock": "hfjobs_spec.localhub.clock",
    "DEFAULT_PAGE_SIZE": "hfjobs_spec.localhub.common",
    "ENV_LOGS": "hfjobs_spec.localhub.lifecycle",
    "ENV_OUTCOME": "hfjobs_spec.localhub.lifecycle",
    "ENV_RUN_SECONDS": "hfjobs_spec.localhub.lifecycle",
    "ENV_SCHEDULING_SECONDS": "hfjobs_spec.localhub.lifecycle",
    "FaultInjector": "hfjobs_spec.localhub.faults",
    "FaultRule": "hfjobs_spec.localhub.faults",
    "LocalHub": "hfjobs_spec.localhub.server",
}

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ENV_LOGS",
    "ENV_OUTCOME",
    "ENV_RUN_SECONDS",
    "ENV_SCHEDULING_SECONDS",
    "Clock",
    "FaultInjector",
    "FaultRule",
    "LocalHub",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value
