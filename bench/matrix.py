"""Benchmark: validate and `render --explain` matrix manifests, 256 jobs each, in-process.

    python bench/matrix.py [--manifests 4] [--runs 5]

Each manifest is a 16 x 16 matrix over a uv script with a `[tool.hf-jobs]` header, with templates
reading `matrix.*` and `vars`. Printed: min and median wall time per run and per job. Target: a
manifest of 256 combinations validates in well under a second (each combination is rendered and
validated as a job of its own).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hfjobs_spec.commands.manifests import ManifestSettings, explain_specs, validate
from hfjobs_spec.manifest.project import ProjectOptions

SCRIPT = '# /// script\n# [tool.hf-jobs]\n# flavor = "t4-small"\n# timeout = "1h"\n# secrets = ["HF_TOKEN"]\n# ///\n'
MANIFEST = """\
apiVersion: hfjobs/v1
name: sweep-{index}
script: scripts/train.py
script_args: ["--model", "{{{{ vars.model }}}}-{{{{ matrix.a }}}}", "--lr", "{{{{ matrix.b | string }}}}"]
env: {{A: "{{{{ matrix.a }}}}", B: "{{{{ matrix.b }}}}"}}
matrix:
  a: [{values}]
  b: [{values}]
"""


def write(root: Path, manifests: int) -> None:
    (root / "jobs").mkdir()
    (root / "scripts").mkdir()
    (root / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: bench\nvars: {model: gpt2}\n")
    (root / "scripts" / "train.py").write_text(SCRIPT + "print(1)\n")
    values = ", ".join(str(value) for value in range(16))
    for index in range(manifests):
        (root / "jobs" / f"sweep-{index}.yaml").write_text(MANIFEST.format(index=index, values=values))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--manifests", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write(root, args.manifests)
        settings = ManifestSettings(project=ProjectOptions(cwd=root))
        jobs = args.manifests * 256
        for label, run in (("validate", lambda: validate(settings, {})),
                           ("render --explain", lambda: explain_specs(settings, {}))):
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            print(f"{label:<17} {jobs} jobs from {args.manifests} matrix manifests: min {min(times):.3f} s, "
                  f"median {median:.3f} s, {median / jobs * 1e3:.2f} ms per job")
        result = validate(settings, {})
        assert result.ok and result.jobs == jobs, result.issues


if __name__ == "__main__":
    main()
