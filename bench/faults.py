"""Convergence under a hostile Hub: how many applies 150 manifests need at a heavy fault mix.

    python bench/faults.py [--manifests 150] [--trials 5] [--parallelism 16]

Every route of localhub answers 20% 500s, 10% 429s (Retry-After / RateLimit: 1 s), drops 5% of the
connections and, for 5%, carries the request out and then answers 500 (the ambiguous case). Each
trial starts from an empty Hub and applies until an apply reports no failure (at most 5 applies),
then reads the Hub with faults off. Two retry policies are measured side by side, alternating
trial by trial: today's default and the previous default (5 attempts). Printed per policy:
applies needed, requests, retries, duplicates, missing jobs, wall time (min and median).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from huggingface_hub import HfApi

from hfjobs_spec import labels as L
from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.manifests import ManifestSettings, load_specs
from hfjobs_spec.commands.reconcile import ReconcileSettings
from hfjobs_spec.errors import HfJobsSpecError
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy
from hfjobs_spec.localhub import LocalHub
from hfjobs_spec.manifest.project import ProjectOptions
from hfjobs_spec.reconcile.limits import DEFAULT_PARALLELISM

NS = "bench-org"
TOKEN = "bench-token"
MAX_APPLIES = 5
MIX = [
    {"route": "*", "mode": "error", "status": 500, "rate": 0.20},
    {"route": "*", "mode": "rate-limit", "retry_after": 1, "rate": 0.10},
    {"route": "*", "mode": "drop", "rate": 0.05},
    {"route": "*", "mode": "commit-then-fail", "rate": 0.05},
]
POLICIES = {"default": RetryPolicy(), "previous (5 attempts)": RetryPolicy(attempts=5)}


class Counting:
    """A backend proxy that counts the calls made through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.endpoint = inner.endpoint
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute) or name == "token":
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return attribute(*args, **kwargs)

        return counted


def write_project(root: Path, count: int) -> None:
    (root / "jobs").mkdir(parents=True)
    (root / "hfjobs.yaml").write_text(f"apiVersion: hfjobs/v1\nproject: faults\nnamespace: {NS}\n")
    for index in range(count):
        schedule = f'schedule: "{index % 60} {index % 24} * * *"\n' if index % 3 else ""
        (root / "jobs" / f"job{index:04d}.yaml").write_text(
            f"apiVersion: hfjobs/v1\nname: job-{index:04d}\n{schedule}image: python:3.12\n"
            f"command: [python, -c, 'print({index})']\n")


@dataclass
class Trial:
    applies: int
    converged: bool
    requests: int
    retries: int
    duplicates: int
    missing: int
    seconds: float


def apply_once(root: Path, backend: Any, parallelism: int) -> bool:
    """One `apply --auto-approve`, as the CLI runs it; True when it reported no failure."""
    environ = {"HF_TOKEN": TOKEN}
    settings = ReconcileSettings(manifests=ManifestSettings(ProjectOptions(cwd=root)))
    try:
        project, specs = load_specs(settings.manifests, environ)
        project = reconcile.with_default_namespace(project, backend)
        with reconcile.project_lease(project, backend, settings).held():
            planned = reconcile.make_plan(project, specs, backend, reconcile.diff_options(settings, project), environ)
            if not planned.plan.has_changes:
                return True
            return reconcile.execute(planned, backend, environ, parallelism=parallelism).ok
    except HfJobsSpecError:
        return False


def census(hub: LocalHub, count: int) -> tuple[int, int]:
    """Duplicates and missing jobs, read with faults off: what a user would find on the Hub."""
    api = HfApi(endpoint=hub.url, token=TOKEN)
    labels = [job.job_spec.labels or {} for job in api.list_scheduled_jobs(namespace=NS)]
    scheduled = Counter(each.get(L.MANIFEST_NAME) for each in labels if L.LOCK not in each)
    runs = Counter((run.labels or {}).get(L.MANIFEST_NAME) for run in api.list_jobs(namespace=NS))
    found = scheduled + runs
    expected = {f"job-{index:04d}" for index in range(count)}
    duplicates = sum(number - 1 for name, number in found.items() if number > 1)
    missing = len(expected - set(found))
    return duplicates, missing


def trial(policy: RetryPolicy, count: int, parallelism: int, seed: int) -> Trial:
    with tempfile.TemporaryDirectory() as tmp, LocalHub(user="bench", orgs=(NS,), fault_seed=seed) as hub:
        root = Path(tmp) / "project"
        write_project(root, count)
        inner = Counting(HfApiBackend(endpoint=hub.url, token=TOKEN))
        outer = Counting(RetryingBackend(inner, policy))
        hub.faults.configure(MIX, seed=seed)
        began = time.perf_counter()
        applies, converged = 0, False
        while applies < MAX_APPLIES and not converged:
            applies += 1
            converged = apply_once(root, outer, parallelism)
        seconds = time.perf_counter() - began
        requests = sum(hub.counters().values())
        hub.faults.clear()
        duplicates, missing = census(hub, count)
        return Trial(applies, converged, requests, inner.calls - outer.calls, duplicates, missing, seconds)


def summary(values: list[float], fmt: Callable[[float], str] = lambda v: f"{v:g}") -> str:
    return f"min {fmt(min(values))}, median {fmt(statistics.median(values))}, max {fmt(max(values))}"


def main() -> None:
    install_http_client()  # as open_backend does
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifests", type=int, default=150)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--parallelism", type=int, default=DEFAULT_PARALLELISM)
    args = parser.parse_args()
    print(f"fault bench on {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{args.manifests} manifests ({args.manifests - args.manifests // 3} scheduled), parallelism "
          f"{args.parallelism}, fault mix on every route: 20% 500, 10% 429, 5% dropped, 5% commit-then-fail")
    results: dict[str, list[Trial]] = {name: [] for name in POLICIES}
    for index in range(args.trials):
        for name, policy in POLICIES.items():  # alternate the contenders
            results[name].append(trial(policy, args.manifests, args.parallelism, seed=1000 + index))
    for name, trials in results.items():
        policy = POLICIES[name]
        print(f"\n{name}: attempts {policy.attempts}, deadline {policy.deadline:g} s per call")
        print(f"  applies needed: {[t.applies if t.converged else f'>{MAX_APPLIES}' for t in trials]} "
              f"(one apply enough in {sum(t.applies == 1 and t.converged for t in trials)} of {len(trials)})")
        print(f"  requests:   {summary([t.requests for t in trials])}")
        print(f"  retries:    {summary([t.retries for t in trials])}")
        duplicates, missing = sum(t.duplicates for t in trials), sum(t.missing for t in trials)
        print(f"  duplicates: {duplicates} in all; missing jobs: {missing}")
        print(f"  wall time:  {summary([t.seconds for t in trials], lambda v: f'{v:.1f} s')}")


if __name__ == "__main__":
    main()
