"""`export` of a namespace full of hand-made jobs, against localhub through the real client.

    python bench/export.py [--scheduled 200] [--names 100] [--runs-per-name 10]

Seeds unmanaged scheduled jobs and runs (each Hub name run several times, as people rerun jobs),
then times `export --scheduled --jobs` and the plan after it, and counts the port calls export made.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_UPDATE_CHECK", "1")

from huggingface_hub import HfApi

from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.export import ExportSettings, export_from
from hfjobs_spec.commands.manifests import ManifestSettings, load_specs
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.localhub import LocalHub
from hfjobs_spec.manifest.project import ProjectOptions, load_project
from hfjobs_spec.reconcile.live import DiffOptions

TOKEN = "hf_benchexport0123456789abcdefghijklmnop"


class Counting:
    """A backend that counts the calls made through it."""

    def __init__(self, inner: HfApiBackend) -> None:
        self.inner = inner
        self.endpoint = inner.endpoint
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return method(*args, **kwargs)

        return counted


def seed(api: HfApi, scheduled: int, names: int, runs_per_name: int) -> None:
    def schedule(index: int) -> None:
        api.create_scheduled_job(image="python:3.12", command=["python", "-c", f"print({index})"],
                                 schedule="@daily", env={"I": str(index)}, labels={"name": f"nightly-{index}"},
                                 namespace="acme")

    def run(index: int) -> None:
        api.run_job(image="ubuntu", command=["echo", str(index)], labels={"name": f"smoke-{index % names}"},
                    namespace="acme")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(schedule, range(scheduled)))
        list(pool.map(run, range(names * runs_per_name)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scheduled", type=int, default=200)
    parser.add_argument("--names", type=int, default=100)
    parser.add_argument("--runs-per-name", type=int, default=10)
    args = parser.parse_args()
    install_http_client()
    with tempfile.TemporaryDirectory() as folder, LocalHub(user="alice", orgs=("acme",)) as hub:
        root = Path(folder)
        (root / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: bench\nnamespace: acme\n")
        seed(HfApi(endpoint=hub.url, token=TOKEN), args.scheduled, args.names, args.runs_per_name)
        backend = Counting(HfApiBackend(endpoint=hub.url, token=TOKEN))
        options = ProjectOptions(cwd=root)
        started = time.perf_counter()
        result = export_from(backend, load_project(options),
                             ExportSettings(manifests=ManifestSettings(options), scheduled=True, runs=True), {})
        exported = time.perf_counter() - started
        export_calls = dict(sorted(backend.calls.items()))
        backend.calls.clear()
        project, specs = load_specs(ManifestSettings(options), {})
        started = time.perf_counter()
        plan = reconcile.make_plan(project, specs, backend, DiffOptions(project="bench"), {}).plan
        planned = time.perf_counter() - started
        runs = args.names * args.runs_per_name
        print(f"{args.scheduled} scheduled jobs, {runs} runs ({args.names} names): export wrote {len(result.files)} "
              f"manifests in {exported:.2f} s, left out {len(result.skipped)}")
        print(f"export calls: {export_calls} (list_jobs pages follow inside one call)")
        imports = sum(1 for change in plan.changes if change.action == "import")
        print(f"plan after export: {imports} imports of {len(plan.changes)} changes in {planned:.2f} s, "
              f"calls: {dict(sorted(backend.calls.items()))}")


if __name__ == "__main__":
    main()
