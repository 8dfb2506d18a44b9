"""localhub: a faithful local stand-in for the Hub Jobs REST API, over real HTTP on loopback.

The production code path (`huggingface_hub.HfApi`) runs against it unchanged; only the endpoint
differs. State lives in SQLite, time comes from an injectable clock, and faults can be injected.
See docs/localhub.md. Nothing here imports `huggingface_hub`.
"""

from __future__ import annotations

from hfjobs_spec.localhub.clock import Clock
from hfjobs_spec.localhub.faults import FaultInjector, FaultRule
from hfjobs_spec.localhub.lifecycle import ENV_LOGS, ENV_OUTCOME, ENV_RUN_SECONDS, ENV_SCHEDULING_SECONDS
from hfjobs_spec.localhub.server import DEFAULT_PAGE_SIZE, LocalHub

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
