"""What Day 2 commands cost against localhub: requests per `wait` round, and reading a long log.

    python bench/operate.py [--runs 20] [--lines 10000]

`wait` for N runs to end (the hub's clock moved forward instead of sleeping): the requests made
and the time spent per run. Then the read of one run's log of `--lines` lines through the real
client, the read `logs` makes once and `logs --follow` makes every few seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_UPDATE_CHECK", "1")

from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.model import JobRequest
from hfjobs_spec.localhub import Clock, LocalHub
from hfjobs_spec.reconcile.watch import RunRef, wait_for_runs

NS = "alice"


class HubTime:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)


def request(env: dict[str, str]) -> JobRequest:
    return JobRequest(image="python:3.12", command=("true",), env=env, flavor="cpu-basic", labels={"name": "b"},
                      secrets={})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    install_http_client()
    clock = Clock.frozen_at(datetime(2026, 1, 5, 12, tzinfo=UTC))
    with LocalHub(user=NS, clock=clock) as hub:
        backend = HfApiBackend(endpoint=hub.url, token="bench")
        refs = [RunRef(f"job{i}", NS, backend.run_job(NS, request({"LOCALHUB_RUN_SECONDS": str(30 + i)})).id)
                for i in range(args.runs)]
        hub.reset_counters()
        began = time.perf_counter()
        events = list(wait_for_runs(backend, refs, HubTime(clock)))
        spent = time.perf_counter() - began
        inspects = hub.counters().get("GET /api/jobs/{ns}/{id}", 0)
        rounds = inspects / args.runs
        print(f"wait for {args.runs} runs (hub time {5 + 30 + args.runs - 1} s): {len(events)} events, "
              f"{inspects} inspects in {rounds:.1f} rounds of one per run, {spent:.2f} s "
              f"({spent / inspects * 1000:.1f} ms per inspect)")
        body = "\n".join(f"step {i}: loss {1 / (i + 1):.6f}" for i in range(args.lines))
        run = backend.run_job(NS, request({"LOCALHUB_LOGS": body, "LOCALHUB_RUN_SECONDS": "1"}))
        clock.advance(args.lines + 60)
        for label, tail in (("whole", None), ("--tail 100", 100)):
            began = time.perf_counter()
            lines = backend.job_logs(NS, run.id, tail)
            print(f"log of {args.lines} lines, {label}: {len(lines)} lines in {time.perf_counter() - began:.2f} s")


if __name__ == "__main__":
    main()
