"""Build small projects on disk and plan/apply them against any HubBackend, as the CLI would."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hfjobs_spec.commands import reconcile
from hfjobs_spec.commands.manifests import ManifestSettings, load_specs
from hfjobs_spec.commands.reconcile import Planned, ReconcileSettings
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.manifest.project import ProjectOptions
from hfjobs_spec.reconcile.execute import ApplyReport


def write_project(root: Path, jobs: Mapping[str, str], *, project: str = "demo", namespace: str | None = "alice",
                  extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    ns = f"namespace: {namespace}\n" if namespace else ""
    (root / "hfjobs.yaml").write_text(f"apiVersion: hfjobs/v1\nproject: {project}\n{ns}{extra}")
    jobs_dir = root / "jobs"
    if jobs_dir.exists():
        for old in jobs_dir.glob("*.yaml"):
            old.unlink()
    jobs_dir.mkdir(exist_ok=True)
    for name, body in jobs.items():
        (jobs_dir / f"{name}.yaml").write_text("apiVersion: hfjobs/v1\n" + textwrap.dedent(body))
    return root


def scheduled(name: str, schedule: str = "0 3 * * *", **fields: str) -> str:
    lines = [f"name: {name}", f"schedule: '{schedule}'", "image: python:3.12", "command: [python, -c, 'print(1)']"]
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def one_shot(name: str, **fields: str) -> str:
    lines = [f"name: {name}", "image: python:3.12", "command: [python, -c, 'print(2)']"]
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Session:
    """One project, one backend; plan and apply as the commands do."""

    root: Path
    backend: HubBackend
    environ: dict[str, str] = field(default_factory=dict)
    environment: str | None = None

    def settings(self, **options: object) -> ReconcileSettings:
        manifests = ManifestSettings(ProjectOptions(cwd=self.root, environment=self.environment))
        return ReconcileSettings(manifests=manifests, **options)  # type: ignore[arg-type]

    def plan(self, **options: object) -> Planned:
        settings = self.settings(**options)
        project, specs = load_specs(settings.manifests, self.environ)
        return reconcile.make_plan(project, specs, self.backend, reconcile.diff_options(settings, project),
                                   self.environ)

    def apply(self, planned: Planned | None = None, parallelism: int = 4, **options: object) -> ApplyReport:
        planned = planned or self.plan(**options)
        return reconcile.execute(planned, self.backend, self.environ, parallelism=parallelism)

    def actions(self, **options: object) -> dict[str, str]:
        return {f"{c.name}": c.action for c in self.plan(**options).plan.changes}
