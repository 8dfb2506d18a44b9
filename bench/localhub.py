"""Throughput floor of localhub through the real client: inspect_job, and a 10,000-job list_jobs.

    python bench/localhub.py [--jobs 10000] [--inspects 2000] [--threads 4]

Prints requests per second. The jobs to list are written straight into the database (seeding
is not what is measured); everything measured goes through `huggingface_hub.HfApi` over HTTP.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# Before huggingface_hub is imported: no telemetry side request to the real Hub.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_UPDATE_CHECK", "1")

from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from hfjobs_spec.localhub.db import Database
from hfjobs_spec.localhub.jobs_store import insert_job
from hfjobs_spec.localhub.lifecycle import Durations
from hfjobs_spec.localhub.scheduler import make_run
from hfjobs_spec.localhub.validation import validate_job_spec

NS = "bench"
BENCH_PAGE_SIZE = 50


def seed(db_path: str, count: int) -> None:
    """Write `count` finished-or-running jobs with realistic specs, one millisecond apart."""
    valid = validate_job_spec(
        {
            "dockerImage": "python:3.12",
            "command": ["python", "-c", "print('hello')"],
            "arguments": [],
            "environment": {"BATCH": "32"},
            "flavor": "cpu-basic",
            "secrets": {"HF_TOKEN": "hf_x"},
            "labels": {"managed-by": "hfjobs-spec", "project": "bench", "name": "job"},
        }
    )
    db = Database(db_path)
    base = int(time.time() * 1000) - count
    with db.write() as conn:
        for index in range(count):
            run = make_run(
                namespace=NS, spec=valid.spec, labels={**valid.labels, "name": f"job-{index}"},
                secrets=valid.secrets, created_ms=base + index, initiator={"type": "user", "id": "0" * 24},
                durations=Durations(),
            )  # fmt: skip
            insert_job(conn, run)
    db.close()


def rate(label: str, requests: int, seconds: float, extra: str = "") -> None:
    print(f"{label:<44} {requests / seconds:>9.0f} req/s  ({requests} requests in {seconds:.2f} s){extra}")


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs to list (default 10000)")
    parser.add_argument("--inspects", type=int, default=2_000, help="inspect_job calls (default 2000)")
    parser.add_argument("--threads", type=int, default=4, help="client threads for the concurrent run")
    args = parser.parse_args()

    print(
        f"localhub bench on {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    # Pages of 50, not the default 100, so the figures stay comparable with those in docs/localhub.md.
    with LocalHub(user=NS, page_size=BENCH_PAGE_SIZE) as hub:
        seed(str(hub.db_path), args.jobs)
        api = HfApi(endpoint=hub.url, token="bench")
        job_id = next(iter(api.list_jobs(namespace=NS))).id
        for _ in range(50):  # warm up the connection pool and caches
            api.inspect_job(job_id=job_id, namespace=NS)

        hub.reset_counters()
        seconds = timed(lambda: [api.inspect_job(job_id=job_id, namespace=NS) for _ in range(args.inspects)])
        rate("inspect_job, 1 client thread", hub.counters()["GET /api/jobs/{ns}/{id}"], seconds)

        hub.reset_counters()
        per_thread = args.inspects // args.threads

        def worker(_: int) -> None:
            for _ in range(per_thread):
                api.inspect_job(job_id=job_id, namespace=NS)

        with ThreadPoolExecutor(args.threads) as pool:
            seconds = timed(lambda: list(pool.map(worker, range(args.threads))))
        rate(
            f"inspect_job, {args.threads} client threads", hub.counters()["GET /api/jobs/{ns}/{id}"], seconds
        )

        hub.reset_counters()
        listed: list[object] = []
        seconds = timed(lambda: listed.extend(api.list_jobs(namespace=NS)))
        pages = hub.counters()["GET /api/jobs/{ns}"]
        assert len(listed) == args.jobs, (len(listed), args.jobs)
        rate(
            f"list_jobs of {args.jobs} jobs (pages of {BENCH_PAGE_SIZE})", pages, seconds,
            f"  = {len(listed) / seconds:.0f} jobs/s",
        )  # fmt: skip

        hub.reset_counters()
        listed.clear()
        seconds = timed(lambda: listed.extend(api.list_jobs(namespace=NS, labels={"project": "bench"})))
        pages = hub.counters()["GET /api/jobs/{ns}"]
        rate(
            "  same, filtered by label project=bench",
            pages,
            seconds,
            f"  = {len(listed) / seconds:.0f} jobs/s",
        )

        hub.reset_counters()
        count = min(1000, args.inspects)
        seconds = timed(
            lambda: [api.run_job(image="python:3.12", command=["true"], namespace=NS) for _ in range(count)]
        )
        rate("run_job (create), 1 client thread", hub.counters()["POST /api/jobs/{ns}"], seconds)


if __name__ == "__main__":
    main()
