"""Measuring contenders side by side: run them in turn, round after round, and sum up by min and median.

Alternating spreads whatever else the machine is doing over every contender alike; the min shows what
a contender can do, the median what it usually does. Ratios are taken between medians measured in
the same run of the bench, never against a figure from another day.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def alternate(contenders: Mapping[str, Callable[[], T]], runs: int) -> dict[str, list[T]]:
    """`runs` rounds; each round runs every contender once, in the order given."""
    results: dict[str, list[T]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, run in contenders.items():
            results[name].append(run())
    return results


def timed(action: Callable[[], object]) -> float:
    """Wall time of one call to `action`, in seconds."""
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def median(values: list[float]) -> float:
    return statistics.median(values)


def ratio(slower: list[float], faster: list[float]) -> float:
    """How many times `faster` beats `slower`, from their medians."""
    return median(slower) / median(faster)


def summary(seconds: list[float]) -> str:
    """``min 0.123 s, median 0.130 s (5 runs)``."""
    return f"min {min(seconds):.3f} s, median {median(seconds):.3f} s ({len(seconds)} runs)"


def console_script(name: str) -> str | None:
    """A console script of this interpreter's environment (else from PATH), or None."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def hfjobs_spec_command() -> list[str]:
    """How a user starts hfjobs-spec: its console script, else `python -m hfjobs_spec`."""
    script = console_script("hfjobs-spec")
    return [script] if script else [sys.executable, "-m", "hfjobs_spec"]
