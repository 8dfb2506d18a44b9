"""Reconciler figures against localhub, every comparison measured side by side in one run.

    python bench/reconcile.py [--manifests 1000] [--live 10000] [--creates 200] [--latency-ms 50] [--runs 5]

Printed, in order (targets in brackets):

1. plan of N manifests (half scheduled, half one-shot) against a namespace holding M live jobs of
   the project, M - N of them finished runs of earlier revisions of the one-shot manifests, written
   straight into localhub's SQLite (what months of applies left before apply retired old runs).
   With those runs still listed: the listing, plan's requests and plan's sequential depth (fewer
   runs: it is slow). Then the one apply that retires them, as a one-time cost after upgrading
   (requests, wall time), and the listing after it. Then plan's requests ÷ the floor [1.00]: 1
   hardware list (the prices, read beside the lists) + 1 scheduled-jobs list + ⌈listed runs / page
   size⌉ pages + 0 whoami (the project names its namespace) + one look-alike lookup per one-shot
   manifest without a run (none here: every manifest has one).
2. plan's sequential depth after retiring: (median wall at L ms latency - median wall at 0 ms) ÷ L ms,
   from in-process plans alternating between 0 ms and L ms [at most 25 round trips]; and the wall
   time of `hfjobs-spec plan --detailed-exitcode` run as a user does, in a new process.
3. apply of K creates at L ms latency, as `apply --auto-approve` runs it (lease included), at the
   default parallelism, versus a hand-written sequential HfApi loop making the same creates; each
   run on a fresh localhub, the two alternating; the ratio of medians [at least 8x].
4. validate of N manifests versus check-jsonschema and a plain yaml + jsonschema loop, alternating
   (bench/validate.py).

Every timed figure is the min and median of --runs runs (at least 5 for figures worth quoting).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `bench.validate`, `bench.sidebyside`

from huggingface_hub import HfApi

from bench import validate as validate_bench
from bench.sidebyside import alternate, hfjobs_spec_command, median, ratio, summary, timed
from hfjobs_spec import labels as L
from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.manifests import ManifestSettings, load_specs
from hfjobs_spec.commands.reconcile import Planned, ReconcileSettings
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.hub.retry import RetryingBackend
from hfjobs_spec.localhub import DEFAULT_PAGE_SIZE, LocalHub
from hfjobs_spec.localhub.db import Database
from hfjobs_spec.localhub.jobs_store import insert_job
from hfjobs_spec.localhub.lifecycle import Durations
from hfjobs_spec.localhub.scheduler import make_run
from hfjobs_spec.localhub.validation import validate_job_spec
from hfjobs_spec.manifest.model import JobSpec
from hfjobs_spec.manifest.project import ProjectOptions
from hfjobs_spec.reconcile.limits import DEFAULT_PARALLELISM

NS = "bench-org"
PROJECT = "bench"
TOKEN = "bench-token"
ENVIRON = {"HF_TOKEN": TOKEN}
DEPTH_TARGET = 25
SPEED_UP_TARGET = 8.0
RUNS_BEFORE_RETIRING = 3  # plans before retiring read every old run: slow, so fewer runs


# The project, the Hub and one command each -----------------------------------------------------


def write_project(root: Path, count: int, *, scheduled_share: float = 0.5) -> list[str]:
    """`count` manifests, the first `scheduled_share` of them scheduled; returns the one-shot names."""
    (root / "jobs").mkdir(parents=True)
    (root / "hfjobs.yaml").write_text(f"apiVersion: hfjobs/v1\nproject: {PROJECT}\nnamespace: {NS}\n"
                                      "defaults:\n  labels: {team: bench}\n")
    scheduled = int(count * scheduled_share)
    for index in range(count):
        schedule = f'schedule: "{index % 60} {index % 24} * * *"\n' if index < scheduled else ""
        (root / "jobs" / f"job{index:05d}.yaml").write_text(
            f"apiVersion: hfjobs/v1\nname: job-{index:05d}\n{schedule}image: python:3.12\n"
            f"command: [python, -c, 'print({index})']\nflavor: cpu-basic\ntimeout: 1h\n"
            "env: {BATCH: '32'}\nsecrets: [HF_TOKEN]\n")
    return [f"job-{index:05d}" for index in range(scheduled, count)]


def settings(root: Path) -> ReconcileSettings:
    return ReconcileSettings(manifests=ManifestSettings(ProjectOptions(cwd=root)))


def backend_for(hub: LocalHub) -> HubBackend:
    return RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN))


def plan_once(root: Path, backend: HubBackend) -> Planned:
    """What `plan` does in-process: load and validate the manifests, read the Hub and its prices, diff, price."""
    chosen = settings(root)
    project, specs = load_specs(chosen.manifests, ENVIRON)
    return reconcile.make_plan(project, specs, backend, reconcile.diff_options(chosen, project), ENVIRON, priced=True)


def apply_once(root: Path, backend: HubBackend) -> Planned:
    """One `apply --auto-approve` as the CLI runs it, lease included; exits if any change failed."""
    chosen = settings(root)
    project, specs = load_specs(chosen.manifests, ENVIRON)
    project = reconcile.with_default_namespace(project, backend)
    with reconcile.project_lease(project, backend, chosen).held():
        planned = reconcile.make_plan(project, specs, backend, reconcile.diff_options(chosen, project), ENVIRON)
        if planned.plan.has_changes:
            report = reconcile.execute(planned, backend, ENVIRON, parallelism=DEFAULT_PARALLELISM)
            if not report.ok:
                sys.exit(f"apply failed: {[result.error for result in report.failed[:3]]}")
    return planned


def with_latency(hub: LocalHub, ms: int) -> None:
    """Every request waits `ms` before localhub handles it (0: no fault at all)."""
    hub.faults.clear()
    if ms:
        hub.faults.add({"route": "*", "mode": "latency", "ms": ms})


def seed_history(hub: LocalHub, count: int, names: Sequence[str]) -> None:
    """`count` finished runs of earlier revisions of the one-shot manifests `names`, ten days old:
    what months of applies left behind before apply retired old runs."""
    valid = validate_job_spec({"dockerImage": "python:3.12", "command": ["python", "-c", "print(0)"], "arguments": [],
                               "environment": {"BATCH": "32"}, "flavor": "cpu-basic"})
    db = Database(hub.db_path)
    base = hub.clock.now_ms() - 10 * 86_400_000
    with db.write() as conn:
        for index in range(count):
            name = names[index % len(names)]
            labels = {L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: PROJECT, L.ENVIRONMENT: L.DEFAULT_ENVIRONMENT,
                      L.MANIFEST_NAME: name, L.SPEC_HASH: f"{index:016x}", L.HUB_NAME: name}
            insert_job(conn, make_run(namespace=NS, spec=valid.spec, labels=labels, secrets={}, created_ms=base + index,
                                      initiator={"type": "user", "id": "0" * 24}, durations=Durations(0, 0)))
    db.close()


@dataclass(frozen=True)
class Listing:
    """What the project's label filter lists, and what it no longer lists because it was retired."""

    scheduled: int
    runs: int
    retired: int

    @property
    def floor(self) -> int:
        """Plan's fewest requests: 1 hardware list (prices) + 1 scheduled-jobs list + the runs list's pages +
        0 whoami (+ 0 look-alike lookups: every one-shot manifest of the bench has a run listed)."""
        return 2 + self.pages

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.runs / DEFAULT_PAGE_SIZE))

    @property
    def pages_text(self) -> str:
        return f"{self.pages} page{'s' if self.pages != 1 else ''}"

    def describe(self) -> str:
        return (f"{self.scheduled:,} scheduled jobs + {self.runs:,} runs = {self.scheduled + self.runs:,} listed "
                f"({self.pages_text} of runs); {self.retired:,} retired runs not listed")


def listing(hub: LocalHub) -> Listing:
    backend = HfApiBackend(endpoint=hub.url, token=TOKEN)
    return Listing(scheduled=len(backend.list_scheduled_jobs(NS, {L.PROJECT: PROJECT})),
                   runs=len(backend.list_jobs(NS, {L.PROJECT: PROJECT})),
                   retired=len(backend.list_jobs(NS, {L.RETIRED_FROM: PROJECT})))


# 1. plan's requests, before and after retiring ------------------------------------------------------


def counted_plan(root: Path, hub: LocalHub) -> tuple[Planned, dict[str, int]]:
    hub.reset_counters()
    planned = plan_once(root, backend_for(hub))
    return planned, hub.counters()


def print_requests(counts: dict[str, int], seen: Listing) -> None:
    total = sum(counts.values())
    print(f"   plan requests: {total} / floor {seen.floor} (1 hardware list + 1 scheduled list + {seen.pages_text} + "
          "0 whoami) "
          f"= {total / seen.floor:.2f} (target 1.00)")
    for route, number in sorted(counts.items()):
        print(f"     {number:>5}  {route}")


def retire_backlog(root: Path, hub: LocalHub) -> None:
    """The first apply after upgrading: it relabels every finished run of an earlier revision."""
    hub.reset_counters()
    began = time.perf_counter()
    planned = apply_once(root, backend_for(hub))
    seconds = time.perf_counter() - began
    counts = hub.counters()
    retired = sum(op.kind == "relabel_run" for change in planned.plan.pending for op in change.operations)
    print(f"   first apply after upgrading retires {retired:,} old runs: {sum(counts.values()):,} requests, "
          f"{seconds:.1f} s (one-time cost)")
    for route, number in sorted(counts.items()):
        print(f"     {number:>5}  {route}")


# 2. plan's sequential depth -----------------------------------------------------------------------


def plan_walls(root: Path, hub: LocalHub, latency_ms: int, runs: int) -> dict[int, list[float]]:
    """In-process plans, alternating between no latency and `latency_ms` on every request."""
    def at(ms: int) -> Callable[[], float]:
        def run() -> float:
            with_latency(hub, ms)
            backend = backend_for(hub)
            seconds = timed(lambda: plan_once(root, backend))
            hub.faults.clear()
            return seconds
        return run

    times = alternate({str(ms): at(ms) for ms in (0, latency_ms)}, runs)
    return {int(ms): seconds for ms, seconds in times.items()}


def print_depth(walls: dict[int, list[float]], latency_ms: int, seen: Listing, indent: str = "   ") -> None:
    for ms, seconds in walls.items():
        print(f"{indent}wall at {ms:>3} ms latency: {summary(seconds)}")
    depth = (median(walls[latency_ms]) - median(walls[0])) / (latency_ms / 1000)
    verdict = "met" if depth <= DEPTH_TARGET else "NOT met"
    print(f"{indent}sequential depth (medians): {depth:.1f} round trips (target at most {DEPTH_TARGET}: {verdict}; "
          f"the runs list alone is {seen.pages_text}, one after another)")


def cli_plan_walls(root: Path, hub: LocalHub, runs: int) -> list[float]:
    """`hfjobs-spec plan --detailed-exitcode` in a new process each time; it must find nothing to change."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1"}
    command = [*hfjobs_spec_command(), "plan", "--detailed-exitcode"]

    def run() -> float:
        began = time.perf_counter()
        outcome = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        if outcome.returncode != 0:
            sys.exit(f"plan exited {outcome.returncode}:\n{outcome.stdout[-800:]}{outcome.stderr[-800:]}")
        return seconds

    return alternate({"cli": run}, runs)["cli"]


# 1 and 2 share one hub: set up the history, measure, retire it, measure again --------------------


def set_up_history(root: Path, hub: LocalHub, manifests: int, live: int) -> None:
    """Apply the project once, then add the old runs: `live` jobs of the project in all."""
    one_shots = write_project(root, manifests)
    seconds = timed(lambda: apply_once(root, backend_for(hub)))
    seed_history(hub, live - manifests, one_shots)
    print(f"   setup: first apply of {manifests:,} creates, {seconds:.1f} s; "
          f"then {live - manifests:,} old runs written into localhub's database")


def before_retiring(root: Path, hub: LocalHub, latency_ms: int, runs: int) -> None:
    seen = listing(hub)
    print(f"   listing before retiring: {seen.describe()}")
    _, counts = counted_plan(root, hub)
    print_requests(counts, seen)
    print(f"   plan's depth before retiring ({runs} runs each, alternating, in-process):")
    print_depth(plan_walls(root, hub, latency_ms, runs), latency_ms, seen, indent="     ")


def after_retiring(root: Path, hub: LocalHub) -> Listing:
    seen = listing(hub)
    print(f"   listing after retiring: {seen.describe()}")
    planned, counts = counted_plan(root, hub)
    if planned.plan.has_changes:
        sys.exit(f"plan after apply still has changes: {planned.plan.summary}")
    print_requests(counts, seen)
    return seen


def plan_figures(manifests: int, live: int, latency_ms: int, runs: int) -> None:
    print(f"\n1. plan of {manifests:,} manifests ({manifests // 2:,} scheduled) against {live:,} live jobs of the "
          f"project,\n   {live - manifests:,} of them finished runs of old revisions (localhub page size "
          f"{DEFAULT_PAGE_SIZE})")
    with tempfile.TemporaryDirectory() as tmp, LocalHub(user="bench", orgs=(NS,)) as hub:
        root = Path(tmp) / "project"
        set_up_history(root, hub, manifests, live)
        before_retiring(root, hub, latency_ms, min(RUNS_BEFORE_RETIRING, runs))
        retire_backlog(root, hub)
        seen = after_retiring(root, hub)

        print(f"\n2. plan's sequential depth after retiring, {latency_ms} ms latency vs none ({runs} runs each, "
              "alternating, in-process)")
        print_depth(plan_walls(root, hub, latency_ms, runs), latency_ms, seen)
        cli = cli_plan_walls(root, hub, runs)
        print(f"   `hfjobs-spec plan --detailed-exitcode`, new process, no latency: {summary(cli)}")


# 3. apply versus a hand-written loop -------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    seconds: float
    requests: int


def create_by_hand(api: HfApi, specs: Sequence[JobSpec]) -> None:
    """The loop a person would write: one create after another."""
    for spec in specs:
        api.create_scheduled_job(image=spec.image, command=list(spec.command or ()), schedule=spec.schedule or "",
                                 env=spec.env_dict, secrets={"HF_TOKEN": TOKEN}, flavor=spec.flavor,
                                 timeout=spec.timeout, labels=spec.labels_dict, name=spec.name, namespace=NS)


def on_fresh_hub(latency_ms: int, creates: int, action: Callable[[LocalHub], object]) -> Measured:
    """Time `action` against a new, empty localhub at `latency_ms`, then check the creates are all there."""
    with LocalHub(user="bench", orgs=(NS,)) as hub:
        with_latency(hub, latency_ms)
        hub.reset_counters()
        seconds = timed(lambda: action(hub))
        requests = sum(hub.counters().values())
        hub.faults.clear()
        found = len(HfApi(endpoint=hub.url, token=TOKEN).list_scheduled_jobs(namespace=NS))
        if found != creates:
            sys.exit(f"expected {creates} scheduled jobs after the run, found {found}")
        return Measured(seconds, requests)


def apply_contenders(root: Path, creates: int, latency_ms: int) -> dict[str, Callable[[], Measured]]:
    """`apply --auto-approve` in-process, and the hand-written loop over the same (pre-loaded) specs."""
    _, specs = load_specs(settings(root).manifests, {})

    def by_apply(hub: LocalHub) -> None:
        apply_once(root, backend_for(hub))

    def by_hand(hub: LocalHub) -> None:
        create_by_hand(HfApi(endpoint=hub.url, token=TOKEN), specs)

    return {"apply": lambda: on_fresh_hub(latency_ms, creates, by_apply),
            "loop": lambda: on_fresh_hub(latency_ms, creates, by_hand)}


def requests_of(runs: list[Measured]) -> str:
    return " or ".join(str(number) for number in sorted({run.requests for run in runs}))


def apply_figures(creates: int, latency_ms: int, runs: int) -> None:
    print(f"\n3. apply of {creates} creates with {latency_ms} ms latency on every request, on a fresh localhub each "
          f"run ({runs} runs each, alternating)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        write_project(root, creates, scheduled_share=1.0)
        results = alternate(apply_contenders(root, creates, latency_ms), runs)
    apply_times = [run.seconds for run in results["apply"]]
    loop_times = [run.seconds for run in results["loop"]]
    print(f"   hfjobs-spec apply (parallelism {DEFAULT_PARALLELISM}; load, lease and plan included; "
          f"{requests_of(results['apply'])} requests): {summary(apply_times)}")
    print(f"   sequential HfApi loop ({requests_of(results['loop'])} requests; manifests loaded beforehand): "
          f"{summary(loop_times)}")
    speed_up = ratio(loop_times, apply_times)
    verdict = "met" if speed_up >= SPEED_UP_TARGET else "NOT met"
    print(f"   speed-up, ratio of medians: {speed_up:.1f}x (target at least {SPEED_UP_TARGET:g}x: {verdict})")


# 4. validate ---------------------------------------------------------------------------------------


def validate_figures(manifests: int, runs: int) -> None:
    print("\n4. ", end="")
    validate_bench.compare(manifests, runs)


def main() -> None:
    install_http_client()  # as open_backend does
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifests", type=int, default=1000, help="manifests to plan and validate (default 1000)")
    parser.add_argument("--live", type=int, default=10_000, help="live jobs of the project (default 10000)")
    parser.add_argument("--creates", type=int, default=200, help="creates for the apply figures (default 200)")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency per request, in ms (default 50)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each contender (default 5)")
    args = parser.parse_args()
    if args.manifests < 2 or args.live < args.manifests or args.creates < 1 or args.latency_ms < 1 or args.runs < 1:
        parser.error("need --manifests >= 2, --live >= --manifests, --creates >= 1, --latency-ms >= 1, --runs >= 1")
    print(f"reconcile bench on {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"min and median of {args.runs} runs unless said")
    plan_figures(args.manifests, args.live, args.latency_ms, args.runs)
    apply_figures(args.creates, args.latency_ms, args.runs)
    validate_figures(args.manifests, args.runs)


if __name__ == "__main__":
    main()
