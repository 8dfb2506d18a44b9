"""Renaming and destroying a project against localhub: requests and wall time.

    python bench/renames.py [--jobs 100] [--latency-ms 50]

Printed:

1. rename of every job (half scheduled, half one-shot with one run each) through `previous_names`,
   as `apply --auto-approve` runs it (lease included): requests by route [one relabel per job, no
   create, no delete], wall time, and that every Hub id is kept.
2. destroy of the same project: requests by route [one delete per scheduled job, one relabel per
   one-shot run], wall time, and what is left listed under the project [nothing].
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hfjobs_spec import labels as L
from hfjobs_spec.commands.destroy import run_destroy
from hfjobs_spec.commands.hub import HubSettings
from hfjobs_spec.commands.manifests import ManifestSettings
from hfjobs_spec.commands.reconcile import ReconcileSettings, run_apply
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.localhub import LocalHub
from hfjobs_spec.manifest.project import ProjectOptions
from hfjobs_spec.reconcile.limits import DEFAULT_PARALLELISM

TOKEN = "hf_bench_renames_token_0123456789abcdef"
NS = "acme"


def write(root: Path, jobs: int, renamed: bool) -> None:
    (root / "jobs").mkdir(parents=True, exist_ok=True)
    (root / "hfjobs.yaml").write_text(f"apiVersion: hfjobs/v1\nproject: bench\nnamespace: {NS}\n")
    docs = []
    for index in range(jobs):
        old = f"job-{index}"
        name = f"{old}-renamed\nprevious_names: [{old}]" if renamed else old
        body = f"schedule: '{index % 60} 3 * * *'\n" if index % 2 == 0 else ""
        docs.append(f"apiVersion: hfjobs/v1\nname: {name}\n{body}image: python:3.12\n"
                    f"command: [python, -c, 'print({index})']\n")
    (root / "jobs" / "all.yaml").write_text("---\n".join(textwrap.dedent(doc) for doc in docs))


def settings(root: Path, hub: LocalHub) -> ReconcileSettings:
    return ReconcileSettings(manifests=ManifestSettings(ProjectOptions(project_dir=root, cwd=root)),
                             hub=HubSettings(endpoint=hub.url, token=TOKEN))


def ids(hub: LocalHub) -> set[str]:
    backend = HfApiBackend(endpoint=hub.url, token=TOKEN)
    return ({job.id for job in backend.list_scheduled_jobs(NS, {L.PROJECT: "bench"})}
            | {run.id for run in backend.list_jobs(NS, {L.PROJECT: "bench"})})


def show(counts: dict[str, int], seconds: float, what: str) -> None:
    print(f"   {what}: {sum(counts.values()):,} requests, {seconds:.2f} s")
    for route, number in sorted(counts.items()):
        print(f"     {number:>5}  {route}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    install_http_client()
    with tempfile.TemporaryDirectory() as folder, LocalHub(user="alice", orgs=(NS,), token=TOKEN) as hub:
        root = Path(folder)
        write(root, args.jobs, renamed=False)
        run_apply(settings(root, hub), {}, saved=None, confirm=lambda plan: None, parallelism=DEFAULT_PARALLELISM)
        before = ids(hub)
        if args.latency_ms:
            hub.faults.add({"route": "*", "mode": "latency", "ms": args.latency_ms})
        print(f"{args.jobs} jobs ({len(before)} listed objects), {args.latency_ms} ms latency per request")
        write(root, args.jobs, renamed=True)
        hub.reset_counters()
        began = time.perf_counter()
        outcome = run_apply(settings(root, hub), {}, saved=None, confirm=lambda plan: None,
                            parallelism=DEFAULT_PARALLELISM)
        show(hub.counters(), time.perf_counter() - began, "1. rename every job")
        assert outcome.report is not None and outcome.report.ok
        print(f"   Hub ids kept: {ids(hub) == before}; renamed: {len(outcome.plan.renamed)}")
        hub.reset_counters()
        began = time.perf_counter()
        done = run_destroy(settings(root, hub), {}, confirm=lambda planned: None, parallelism=DEFAULT_PARALLELISM)
        show(hub.counters(), time.perf_counter() - began, "2. destroy")
        assert done.report is not None and done.report.ok
        print(f"   left listed under the project: {len(ids(hub))}")


if __name__ == "__main__":
    main()
