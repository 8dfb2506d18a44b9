"""Benchmark: validate 1,000 generated manifests, side by side with check-jsonschema on the same files.

    python bench/validate.py [--jobs 1000] [--repeat 5]

Prints, for the same files and the same published schema (schemas/job.schema.json):
- hfjobs-spec in-process (the `validate` command function: load, render, schema and semantic checks);
- `hfjobs-spec validate jobs` as a user runs it (a new process each time, start-up included);
- `check-jsonschema --schemafile schemas/job.schema.json <files>` (a new process each time).
Each figure is the median of --repeat runs. Targets: under 1 s for 1,000 manifests, faster than
check-jsonschema (which checks the schema only; hfjobs-spec also renders templates and runs the
semantic checks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "job.schema.json"
FLAVORS = ("cpu-basic", "cpu-upgrade", "t4-small", "a10g-small", "a10g-large", "l4x1")
SCHEDULES = ("@hourly", "@daily", "0 3 * * *", "*/15 9-17 * * mon-fri")


def manifest(index: int) -> str:
    """One realistic manifest; the shapes rotate so that every check has work to do."""
    name = f"job-{index:04d}"
    head = "# yaml-language-server: $schema=../schemas/job.schema.json\napiVersion: hfjobs/v1\n"
    common = (
        f"flavor: {FLAVORS[index % len(FLAVORS)]}\n"
        f"timeout: {1 + index % 4}h\n"
        "env:\n"
        f"  BATCH_SIZE: \"{16 * (1 + index % 4)}\"\n"
        "  LOG_LEVEL: info\n"
        "secrets:\n"
        "  HF_TOKEN: $HF_TOKEN\n"
        "labels:\n"
        f"  team: team-{index % 7}\n"
        "  tier: batch\n"
    )
    shape = index % 4
    if shape == 0:
        body = (f"name: {name}\nimage: python:3.12-slim\n"
                "command: [\"python\", \"-c\", \"import os; print(os.environ['BATCH_SIZE'])\"]\n")
    elif shape == 1:
        body = (f"name: {name}\nschedule: \"{SCHEDULES[index % len(SCHEDULES)]}\"\nscript: scripts/train.py\n"
                "script_args: [\"--model\", \"{{ vars.model }}\", \"--epochs\", \"3\"]\n"
                "dependencies: [transformers, datasets]\npython: \"3.12\"\n")
    elif shape == 2:
        body = (f"name: {name}\nimage: python:3.12-slim\ncommand: [python, /data/run.py]\n"
                "volumes:\n"
                "  - {type: dataset, source: \"{{ vars.dataset }}\", mount_path: /data}\n"
                "  - {type: bucket, source: org/scratch, mount_path: /scratch}\n"
                "attempts: 2\n")
    else:
        body = (f"name: {name}\nschedule: \"{SCHEDULES[index % len(SCHEDULES)]}\"\nimage: python:3.12-slim\n"
                "command: [python, -m, http.server, \"8080\"]\nexpose: [8080]\nsuspend: false\n"
                "concurrency: false\n")
    return head + body + common


def write_project(root: Path, count: int) -> None:
    (root / "jobs").mkdir(parents=True)
    (root / "scripts").mkdir()
    (root / "scripts" / "train.py").write_text("print('train')\n")
    (root / "hfjobs.yaml").write_text(
        "apiVersion: hfjobs/v1\nproject: bench\nnamespace: bench-org\n"
        "vars: {model: openai-community/gpt2, dataset: org/eval-data}\n"
    )
    for index in range(count):
        (root / "jobs" / f"job-{index:04d}.yaml").write_text(manifest(index))


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    return statistics.median(timeit.repeat(action, number=1, repeat=repeat))


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def timed_process(command: list[str], cwd: Path, repeat: int, expect: int = 0) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run(command, cwd)
        times.append(time.perf_counter() - start)
        if result.returncode != expect:
            sys.exit(f"{' '.join(command[:3])}... exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000, help="manifests to generate (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is shown (default 5)")
    args = parser.parse_args()

    from hfjobs_spec.commands.manifests import ManifestSettings, validate
    from hfjobs_spec.manifest.project import ProjectOptions

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, args.jobs)
        shutil.copy(SCHEMA, root / "job.schema.json")
        files = sorted(str(p.relative_to(root)) for p in (root / "jobs").glob("*.yaml"))

        settings = ManifestSettings(project=ProjectOptions(cwd=root), paths=(Path("jobs"),))
        result = validate(settings, os.environ)
        if not result.ok or result.jobs != args.jobs:
            sys.exit(f"generated manifests are not valid: {[str(i) for i in result.issues[:5]]}")
        in_process = median_seconds(lambda: validate(settings, os.environ), args.repeat)

        hfjobs_spec = shutil.which("hfjobs-spec", path=str(Path(sys.executable).parent)) or shutil.which("hfjobs-spec")
        cli_command = [hfjobs_spec, "validate", "jobs"] if hfjobs_spec else [sys.executable, "-m", "hfjobs_spec",
                                                                              "validate", "jobs"]
        cli = timed_process(cli_command, root, args.repeat)

        checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or \
            shutil.which("check-jsonschema")
        reference = None
        if checker:
            reference = timed_process([checker, "--schemafile", "job.schema.json", *files], root, args.repeat)

    n = args.jobs
    print(f"validate {n:,} manifests ({os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"median of {args.repeat} runs)")
    print(f"  {'what':<58} {'total':>8} {'per file':>10}")
    rows = [
        ("hfjobs-spec, in-process (validate())", in_process),
        (f"hfjobs-spec validate jobs  (new process, {Path(cli_command[0]).name})", cli),
    ]
    if reference is not None:
        rows.append(("check-jsonschema --schemafile schemas/job.schema.json", reference))
    for label, seconds in rows:
        print(f"  {label:<58} {seconds:>7.3f}s {seconds / n * 1e6:>8.0f}µs")
    if reference is not None:
        print(f"  ratio check-jsonschema / hfjobs-spec CLI:        {reference / cli:.1f}x")
        print(f"  ratio check-jsonschema / hfjobs-spec in-process: {reference / in_process:.1f}x")
    else:
        print("  check-jsonschema not found: pip install check-jsonschema to compare")
    target = "met" if cli < 1.0 and (reference is None or cli < reference) else "NOT met"
    print(f"  target (CLI under 1 s for 1,000, faster than check-jsonschema): {target}")


if __name__ == "__main__":
    main()
