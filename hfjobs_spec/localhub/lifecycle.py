"""How a run unfolds over (clock) time, decided once when it is created.

A run is planned as three instants: created → `start_ms` (end of SCHEDULING) → `end_ms` (end of
RUNNING, natural or by timeout), plus the stage it ends in. Its stage at any moment is a pure
function of those instants, the cancel instant and the clock, so nothing runs in the background
and a test can jump the clock to any point of the lifecycle.

Tests steer a run through its environment (documented in docs/localhub.md):

- ``LOCALHUB_OUTCOME=completed|error``: how the run ends (default ``completed``).
- ``LOCALHUB_RUN_SECONDS=N``: seconds in RUNNING per attempt (default: the hub's setting).
- ``LOCALHUB_SCHEDULING_SECONDS=N``: seconds in SCHEDULING (default: the hub's setting).
- ``LOCALHUB_LOGS="line 1\\nline 2"``: the log lines the run prints, one per second.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from typing import Any

from hfjobs_spec.localhub.clock import iso
from hfjobs_spec.localhub.common import bad_request
from hfjobs_spec.stages import PROGRESS_STAGES

ENV_OUTCOME = "LOCALHUB_OUTCOME"
ENV_RUN_SECONDS = "LOCALHUB_RUN_SECONDS"
ENV_SCHEDULING_SECONDS = "LOCALHUB_SCHEDULING_SECONDS"
ENV_LOGS = "LOCALHUB_LOGS"
ENV_SCHEDULING_MESSAGE = "LOCALHUB_SCHEDULING_MESSAGE"  # the Hub's `status.message` while SCHEDULING

# The emulator's runs pass through exactly the stages the Hub reports while in progress.
ACTIVE_STAGES = PROGRESS_STAGES


@dataclass(frozen=True)
class Durations:
    """The hub-wide defaults for how long a run schedules and runs, in seconds."""

    scheduling_seconds: float = 5.0
    run_seconds: float = 30.0


@dataclass(frozen=True)
class RunPlan:
    """When a run leaves SCHEDULING and RUNNING, and how it ends."""

    start_ms: int
    end_ms: int
    final_stage: str
    final_message: str | None


def _seconds(environment: dict[str, str], name: str, default: float) -> float:
    raw = environment.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"environment.{name} must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise bad_request(f"environment.{name} must be a finite number >= 0, got {raw!r}")
    return value


def validate_controls(environment: dict[str, str]) -> None:
    """Reject malformed LOCALHUB_* controls at creation time, so a typo fails loudly."""
    plan_run(environment, attempts=1, timeout_seconds=1, created_ms=0, durations=Durations())


def plan_run(
    environment: dict[str, str], *, attempts: int, timeout_seconds: int, created_ms: int, durations: Durations
) -> RunPlan:
    """Plan a run. A failing run is retried in place: it stays RUNNING for `attempts` attempts,
    then ends in ERROR. The timeout bounds the whole RUNNING stage and ends it in ERROR."""
    outcome = environment.get(ENV_OUTCOME, "completed").lower()
    if outcome not in ("completed", "error"):
        raise bad_request(f"environment.{ENV_OUTCOME} must be 'completed' or 'error', got {outcome!r}")
    scheduling = _seconds(environment, ENV_SCHEDULING_SECONDS, durations.scheduling_seconds)
    per_attempt = _seconds(environment, ENV_RUN_SECONDS, durations.run_seconds)
    running = per_attempt * (attempts if outcome == "error" else 1)
    start_ms = created_ms + round(scheduling * 1000)
    if running > timeout_seconds:
        return RunPlan(
            start_ms,
            start_ms + timeout_seconds * 1000,
            "ERROR",
            f"Job timed out after {timeout_seconds} seconds",
        )
    end_ms = start_ms + round(running * 1000)
    if outcome == "error":
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return RunPlan(start_ms, end_ms, "ERROR", f"Job failed with exit code 1{tries}")
    return RunPlan(start_ms, end_ms, "COMPLETED", None)


@dataclass(frozen=True)
class RunTimes:
    """What is stored about a run's timeline."""

    created_ms: int
    start_ms: int
    end_ms: int
    final_stage: str
    final_message: str | None
    canceled_ms: int | None

    def finish_ms(self) -> int:
        """When the run stops (or stopped) being active."""
        return self.canceled_ms if self.canceled_ms is not None else self.end_ms

    def stage(self, now_ms: int) -> str:
        """The stage at `now_ms`. Must agree with `STAGE_SQL`."""
        if self.canceled_ms is not None and self.canceled_ms <= now_ms:
            return "CANCELED"
        if now_ms < self.start_ms:
            return "SCHEDULING"
        if now_ms < self.end_ms:
            return "RUNNING"
        return self.final_stage

    def started_ms(self, now_ms: int) -> int | None:
        """When RUNNING began, if it has (a run canceled while scheduling never starts)."""
        limit = min(now_ms, self.finish_ms())
        return self.start_ms if self.start_ms <= limit else None

    def finished_ms(self, now_ms: int) -> int | None:
        """When the run reached its terminal stage, if it has."""
        finish = self.finish_ms()
        return finish if finish <= now_ms else None


# The same rule as RunTimes.stage, for filtering in SQL (`:now` is bound to the clock).
STAGE_SQL = (
    "(CASE WHEN canceled_ms IS NOT NULL AND canceled_ms <= :now THEN 'CANCELED' "
    "WHEN :now < start_ms THEN 'SCHEDULING' "
    "WHEN :now < end_ms THEN 'RUNNING' "
    "ELSE final_stage END)"
)


def log_events(times: RunTimes, spec: dict[str, Any], job_id: str, now_ms: int) -> list[tuple[int, str]]:
    """The run's log as (timestamp ms, line) pairs visible at `now_ms`, oldest first.

    Deterministic, so every reconnection replays the same events in the same order (the client
    skips the ones it has seen by counting them). Never returns a future timestamp."""
    visible_until = min(now_ms, times.finish_ms())
    if times.start_ms > visible_until:
        return []
    environment: dict[str, str] = spec.get("environment", {})
    lines = environment.get(ENV_LOGS)
    body = (
        lines.split("\n")
        if lines is not None
        else [
            f"[localhub] job {job_id} on {spec['flavor']}",
            f"[localhub] $ {shlex.join(spec['command'] + spec['arguments'])}",
        ]
    )
    events = [(times.start_ms, f"===== Job started at {iso(times.start_ms)} =====")]
    for index, line in enumerate(body):
        events.append((min(times.start_ms + index * 1000, times.end_ms), line))
    if times.canceled_ms is None or times.canceled_ms > times.end_ms:
        events.append((times.end_ms, f"[localhub] {times.final_message or 'job finished successfully'}"))
    return [(ts, line) for ts, line in events if ts <= visible_until]


def metric_sample(flavor_ram_gb: int, gpu_count: int, vram_gb: int, job_id: str) -> dict[str, Any]:
    """One plausible, deterministic metrics sample for a running job on the given hardware."""
    total = flavor_ram_gb * 1024**3
    gpus = {
        f"{job_id[-8:-2]}{index:02x}": {
            "utilization": 0,
            "memory_used_bytes": 0,
            "memory_total_bytes": (vram_gb // max(gpu_count, 1)) * 1000**3,
        }
        for index in range(gpu_count)
    }
    return {
        "cpu_usage_pct": 12,
        "cpu_millicores": 250,
        "memory_used_bytes": total // 16,
        "memory_total_bytes": total,
        "rx_bps": 0,
        "tx_bps": 0,
        "gpus": gpus,
        "replica": job_id[-5:],
    }
