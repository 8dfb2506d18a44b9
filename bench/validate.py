"""Benchmark: validate 1,000 generated manifests, side by side with other validators on the same files.

    python bench/validate.py [--jobs 1000] [--runs 5]

Contenders, all on the same files and the same published schema (schemas/job.schema.json):
- hfjobs-spec in-process (the `validate` command function: load, render, schema and semantic checks);
- `hfjobs-spec validate jobs` as a user runs it (a new process each time, start-up included);
- `check-jsonschema --schemafile schemas/job.schema.json <files>` (a new process each time);
- a plain in-process loop of `yaml.safe_load` + a jsonschema Draft 2020-12 validator built once;
- the same loop with libyaml's `yaml.CSafeLoader` (the loader hfjobs-spec uses), when PyYAML has it.

Each contender is checked once (untimed: it must accept every file), then the contenders run in turn,
round after round (--runs rounds, at least 5 for figures worth quoting). Printed: min and median of
each, and ratios of medians between contenders that start alike (new process vs new process,
in-process vs in-process). Targets: the CLI under 1 s for 1,000 manifests and faster than
check-jsonschema. The others do less: schema checks only, no templates, no semantic checks.

`bench/reconcile.py` imports this module and calls `compare`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for `bench.sidebyside`
from bench.sidebyside import alternate, console_script, hfjobs_spec_command, median, ratio
from hfjobs_spec.commands.manifests import ManifestSettings, validate
from hfjobs_spec.manifest.project import ProjectOptions

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "job.schema.json"
FLAVORS = ("cpu-basic", "cpu-upgrade", "t4-small", "a10g-small", "a10g-large", "l4x1")
SCHEDULES = ("@hourly", "@daily", "0 3 * * *", "*/15 9-17 * * mon-fri")

Contender = Callable[[], float]  # one timed run; returns its wall time in seconds


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


def in_process(root: Path, count: int) -> Contender:
    """hfjobs-spec's `validate` command function, as the CLI calls it."""
    settings = ManifestSettings(project=ProjectOptions(cwd=root), paths=(Path("jobs"),))

    def run() -> float:
        began = time.perf_counter()
        result = validate(settings, os.environ)
        seconds = time.perf_counter() - began
        if not result.ok or result.jobs != count:
            sys.exit(f"hfjobs-spec rejected the generated manifests: {[str(i) for i in result.issues[:5]]}")
        return seconds

    return run


def new_process(command: list[str], cwd: Path) -> Contender:
    """A command run in a new process; it must exit 0."""
    def run() -> float:
        began = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
        if result.returncode != 0:
            sys.exit(f"{' '.join(command[:3])}... exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr}")
        return seconds

    return run


def plain_loop(root: Path, files: list[str], loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Contender:
    """What one would write by hand: `yaml.safe_load` each file, check it against the schema (built once).

    `yaml.safe_load` is the pure-Python loader; hfjobs-spec reads with libyaml's (`yaml.CSafeLoader`)
    when PyYAML has it, so the loop is also timed with that loader, to show where the difference lies.
    """
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))

    def run() -> float:
        began = time.perf_counter()
        errors = 0
        for name in files:
            document = yaml.load((root / name).read_text(), Loader=loader)  # both loaders are safe ones
            errors += sum(1 for _ in validator.iter_errors(document))
        seconds = time.perf_counter() - began
        if errors:
            sys.exit(f"the plain loop found {errors} schema errors in the generated manifests")
        return seconds

    return run


CLI = "hfjobs-spec validate jobs (new process)"
IN_PROCESS = "hfjobs-spec, in-process (validate())"
CHECK_JSONSCHEMA = "check-jsonschema --schemafile (new process)"
PLAIN_LOOP = "yaml.safe_load + jsonschema loop, in-process"
C_LOOP = "the same loop with yaml.CSafeLoader, in-process"


def contenders_for(root: Path, count: int) -> dict[str, Contender]:
    files = sorted(str(p.relative_to(root)) for p in (root / "jobs").glob("*.yaml"))
    contenders = {CLI: new_process([*hfjobs_spec_command(), "validate", "jobs"], root),
                  IN_PROCESS: in_process(root, count)}
    checker = console_script("check-jsonschema")
    if checker:
        contenders[CHECK_JSONSCHEMA] = new_process([checker, "--schemafile", str(SCHEMA), *files], root)
    contenders[PLAIN_LOOP] = plain_loop(root, files)
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is not None:
        contenders[C_LOOP] = plain_loop(root, files, c_loader)
    return contenders


def compare(jobs: int, runs: int) -> None:
    """Generate `jobs` manifests, run the contenders in turn `runs` times, print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, jobs)
        contenders = contenders_for(root, jobs)
        for check in contenders.values():  # each must accept every file before any figure counts
            check()
        times = alternate(contenders, runs)
    print(f"validate {jobs:,} manifests ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"contenders alternate, {runs} runs each)")
    print(f"  {'what':<48} {'min':>8} {'median':>8} {'median per file':>16}")
    for label, seconds in times.items():
        print(f"  {label:<48} {min(seconds):>7.3f}s {median(seconds):>7.3f}s {median(seconds) / jobs * 1e6:>14.0f}µs")
    print("  ratios of medians (above 1: hfjobs-spec is faster; it also renders templates and runs semantic checks):")
    if CHECK_JSONSCHEMA in times:
        print(f"    {'check-jsonschema ÷ hfjobs-spec CLI (both new processes):':<64} "
              f"{ratio(times[CHECK_JSONSCHEMA], times[CLI]):.2f}x")
    else:
        print("    check-jsonschema not found: pip install check-jsonschema to compare")
    for loop, short in ((PLAIN_LOOP, "yaml.safe_load loop"), (C_LOOP, "CSafeLoader loop")):
        if loop in times:
            print(f"    {short + ' ÷ hfjobs-spec in-process (both in-process):':<64} "
                  f"{ratio(times[loop], times[IN_PROCESS]):.2f}x")
    cli = median(times[CLI])
    faster = CHECK_JSONSCHEMA not in times or cli < median(times[CHECK_JSONSCHEMA])
    target = "met" if cli < 1.0 and faster else "NOT met"
    scale = "" if jobs == 1000 else f" (this run had {jobs:,}: only indicative)"
    print(f"  target at 1,000 manifests (CLI median under 1 s, faster than check-jsonschema): {target}{scale}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000, help="manifests to generate (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each contender (default 5)")
    args = parser.parse_args()
    compare(args.jobs, max(1, args.runs))


if __name__ == "__main__":
    main()
