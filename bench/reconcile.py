"""Reconciler figures against localhub, side by side in one run.

    python bench/reconcile.py [--manifests 1000] [--live 10000] [--creates 200] [--latency-ms 50]

1. One `plan` of N manifests against a namespace holding M live jobs of the project (the worst
   case: the Hub's label filter cannot skip any of them): requests made, by route, against the
   floor (1 scheduled-jobs list + the jobs list pages + at most 1 whoami per namespace), and wall
   time, both in-process and as the CLI subprocess a user runs.
2. `apply` of K creates with L ms of latency injected on every request, at the default parallelism,
   versus a hand-written sequential `HfApi` loop making the same creates.
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
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from huggingface_hub import HfApi

from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.manifests import ManifestSettings, load_specs
from hfjobs_spec.commands.reconcile import ReconcileSettings
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.retry import RetryingBackend
from hfjobs_spec.localhub import DEFAULT_PAGE_SIZE, LocalHub
from hfjobs_spec.localhub.db import Database
from hfjobs_spec.localhub.jobs_store import insert_job
from hfjobs_spec.localhub.lifecycle import Durations
from hfjobs_spec.localhub.scheduler import make_run
from hfjobs_spec.localhub.validation import validate_job_spec
from hfjobs_spec.manifest.project import ProjectOptions
from hfjobs_spec.reconcile.execute import DEFAULT_PARALLELISM

NS = "bench-org"
TOKEN = "bench-token"


def write_project(root: Path, count: int, *, scheduled_share: float = 0.5) -> None:
    (root / "jobs").mkdir(parents=True)
    (root / "hfjobs.yaml").write_text(f"apiVersion: hfjobs/v1\nproject: bench\nnamespace: {NS}\n"
                                      "defaults:\n  labels: {team: bench}\n")
    scheduled = int(count * scheduled_share)
    for index in range(count):
        schedule = f'schedule: "{index % 60} {index % 24} * * *"\n' if index < scheduled else ""
        (root / "jobs" / f"job{index:05d}.yaml").write_text(
            f"apiVersion: hfjobs/v1\nname: job-{index:05d}\n{schedule}image: python:3.12\n"
            f"command: [python, -c, 'print({index})']\nflavor: cpu-basic\ntimeout: 1h\n"
            "env: {BATCH: '32'}\nsecrets: [HF_TOKEN]\n")


def settings(root: Path) -> ReconcileSettings:
    return ReconcileSettings(manifests=ManifestSettings(ProjectOptions(cwd=root)))


def backend_for(hub: LocalHub) -> RetryingBackend:
    return RetryingBackend(HfApiBackend(endpoint=hub.url, token=TOKEN))


def apply_project(root: Path, hub: LocalHub) -> float:
    environ = {"HF_TOKEN": TOKEN}
    began = time.perf_counter()
    backend = backend_for(hub)
    project, specs = load_specs(settings(root).manifests, environ)
    planned = reconcile.make_plan(project, specs, backend, reconcile.diff_options(settings(root), project), environ)
    report = reconcile.execute(planned, backend, environ, parallelism=DEFAULT_PARALLELISM)
    assert report.ok, report.failed[:3]
    return time.perf_counter() - began


def seed_history(hub: LocalHub, count: int) -> None:
    """Finished runs of the project's one-shot jobs, older revisions: what months of applies leave."""
    valid = validate_job_spec({"dockerImage": "python:3.12", "command": ["python", "-c", "print(0)"], "arguments": [],
                               "environment": {"BATCH": "32"}, "flavor": "cpu-basic"})
    db = Database(hub.db_path)
    base = int(time.time() * 1000) - 10 * 86_400_000
    with db.write() as conn:
        for index in range(count):
            labels = {"hfjobs-managed-by": "hfjobs-spec", "hfjobs-project": "bench", "hfjobs-environment": "default",
                      "hfjobs-name": f"job-{index % 500 + 500:05d}", "hfjobs-spec-hash": f"{index:016x}",
                      "name": f"job-{index % 500 + 500:05d}"}
            insert_job(conn, make_run(namespace=NS, spec=valid.spec, labels=labels, secrets={}, created_ms=base + index,
                                      initiator={"type": "user", "id": "0" * 24}, durations=Durations(0, 0)))
    db.close()


def plan_figures(manifests: int, live: int) -> None:
    print(f"\n1. plan of {manifests:,} manifests against {live:,} live jobs of the project "
          f"(localhub page size {DEFAULT_PAGE_SIZE})")
    with tempfile.TemporaryDirectory() as tmp, LocalHub(user="bench", orgs=(NS,)) as hub:
        root = Path(tmp) / "project"
        write_project(root, manifests)
        seconds = apply_project(root, hub)
        print(f"   setup: first apply of {manifests:,} creates took {seconds:.2f} s")
        seed_history(hub, live - manifests)
        listed = len(list(HfApi(endpoint=hub.url, token=TOKEN).list_jobs(namespace=NS)))
        scheduled = len(HfApi(endpoint=hub.url, token=TOKEN).list_scheduled_jobs(namespace=NS))
        print(f"   live: {scheduled:,} scheduled jobs + {listed:,} job runs = {scheduled + listed:,}")

        hub.reset_counters()
        began = time.perf_counter()
        backend = backend_for(hub)
        project, specs = load_specs(settings(root).manifests, {"HF_TOKEN": TOKEN})
        loaded = time.perf_counter()
        planned = reconcile.make_plan(project, specs, backend, reconcile.diff_options(settings(root), project),
                                      {"HF_TOKEN": TOKEN})
        done = time.perf_counter()
        counts = hub.counters()
        assert not planned.plan.has_changes, planned.plan.summary
        floor = 1 + math.ceil(listed / DEFAULT_PAGE_SIZE)
        total = sum(counts.values())
        print(f"   requests: {total} (floor {floor} = 1 scheduled list + {floor - 1} pages + 0 whoami, since the "
              f"project names its namespace): {'AT FLOOR' if total <= floor else 'ABOVE FLOOR'}")
        for route, number in sorted(counts.items()):
            print(f"     {number:>5}  {route}")
        print(f"   wall time in-process: {done - began:.2f} s (load + validate {loaded - began:.2f} s, "
              f"read + diff {done - loaded:.2f} s); target < 3 s")

        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1"}
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "hfjobs_spec", "plan", "--detailed-exitcode"], cwd=root,
                                 env=env, capture_output=True, text=True)
            runs.append(time.perf_counter() - began)
            assert out.returncode == 0, out.stdout[-500:] + out.stderr[-500:]
        print(f"   wall time of `hfjobs-spec plan` (subprocess, best of 3): {min(runs):.2f} s "
              f"(all: {', '.join(f'{r:.2f}' for r in runs)})")


def apply_figures(creates: int, latency_ms: int) -> None:
    print(f"\n2. apply of {creates} creates with {latency_ms} ms latency on every request")
    latency = {"route": "*", "mode": "latency", "ms": latency_ms}
    with tempfile.TemporaryDirectory() as tmp, LocalHub(user="bench", orgs=(NS,)) as hub:
        root = Path(tmp) / "project"
        write_project(root, creates, scheduled_share=1.0)
        hub.faults.add(latency)
        hub.reset_counters()
        ours = apply_project(root, hub)
        requests = sum(hub.counters().values())
    with tempfile.TemporaryDirectory() as tmp, LocalHub(user="bench", orgs=(NS,)) as hub:
        root = Path(tmp) / "project"
        write_project(root, creates, scheduled_share=1.0)
        _, specs = load_specs(settings(root).manifests, {})
        api = HfApi(endpoint=hub.url, token=TOKEN)
        hub.faults.add(latency)
        began = time.perf_counter()
        for spec in specs:  # the loop a person would write by hand
            api.create_scheduled_job(image=spec.image, command=list(spec.command or ()), schedule=spec.schedule or "",
                                     env=spec.env_dict, secrets={"HF_TOKEN": TOKEN}, flavor=spec.flavor,
                                     timeout=spec.timeout, labels=spec.labels_dict, name=spec.name, namespace=NS)
        loop = time.perf_counter() - began
        assert len(api.list_scheduled_jobs(namespace=NS)) == creates
    print(f"   hfjobs-spec apply (parallelism {DEFAULT_PARALLELISM}, plan included, {requests} requests): {ours:.2f} s")
    print(f"   sequential HfApi loop ({creates} requests):                       {loop:.2f} s")
    print(f"   speed-up: {loop / ours:.1f}x (target at least 6x)")


def main() -> None:
    install_http_client()  # as open_backend does
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifests", type=int, default=1000)
    parser.add_argument("--live", type=int, default=10_000)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    print(f"reconcile bench on {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    plan_figures(args.manifests, args.live)
    apply_figures(args.creates, args.latency_ms)


if __name__ == "__main__":
    main()
