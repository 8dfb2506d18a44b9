"""The command line's options, each concern declared once and handed to commands as one typed value.

`project_options` gives a command `project: ProjectArgs`, `reconcile_options` adds
`reconcile: ReconcileArgs`; the options given before the command (on the group) live in
`GlobalOptions`, and the same options after it win. `*_settings` turn them into the core's settings.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hfjobs_spec.masking import SecretMask

if TYPE_CHECKING:
    from hfjobs_spec.commands.manifests import ManifestSettings
    from hfjobs_spec.commands.reconcile import ReconcileSettings
    from hfjobs_spec.reconcile.watch import Pacer

R = TypeVar("R")


@dataclass(frozen=True)
class ProjectArgs:
    """Which project, environment and template variables."""

    project_dir: Path | None = None
    environment: str | None = None
    var: tuple[str, ...] = ()
    values: tuple[Path, ...] = ()

    def over(self, earlier: ProjectArgs) -> ProjectArgs:
        """These options given after the command, on top of `earlier` given before it."""
        return ProjectArgs(project_dir=self.project_dir or earlier.project_dir,
                           environment=self.environment or earlier.environment,
                           var=(*earlier.var, *self.var), values=(*earlier.values, *self.values))


@dataclass(frozen=True)
class ReconcileArgs:
    """How `plan` and `apply` are asked to reconcile."""

    local: bool = False
    targets: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    prune: bool | None = None
    allow_empty: bool = False

    @property
    def shapes_the_plan(self) -> bool:
        return bool(self.targets or self.replace or self.prune is not None or self.allow_empty)


@dataclass
class GlobalOptions:
    """The group's options, and the secret mask every output goes through (made by `main`).

    `endpoint` and `pacer` are wiring for a caller that embeds the CLI (tests): the Hub to use instead
    of HF_ENDPOINT's, and the passing of time for commands that wait (None: the wall clock).
    """

    project: ProjectArgs = field(default_factory=ProjectArgs)
    local: bool = False
    debug: bool = False
    mask: SecretMask = field(default_factory=SecretMask)
    endpoint: str | None = None
    pacer: Pacer | None = None

    def clock(self) -> Pacer:
        from hfjobs_spec.reconcile.watch import RealPacer

        return self.pacer or RealPacer()


def globals_of(ctx: click.Context) -> GlobalOptions:
    return ctx.ensure_object(GlobalOptions)


_PROJECT_OPTIONS = (
    click.option("--project-dir", type=click.Path(path_type=Path, file_okay=False),
                 help="Project root (default: search upward for hfjobs.yaml)."),
    click.option("-E", "--environment", help="Environment from hfjobs.yaml to apply."),
    click.option("--var", multiple=True, metavar="KEY=VALUE", help="Set a template variable (repeatable)."),
    click.option("--values", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                 help="YAML file of template variables (repeatable, later files win)."),
)
LOCAL_OPTION = click.option("--local", "local", is_flag=True,
                            help="Use the embedded local Hub (state in .hfjobs/); no account needed.")
_RECONCILE_OPTIONS = (
    LOCAL_OPTION,
    click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this job (repeatable)."),
    click.option("--replace", "replace", multiple=True, metavar="NAME",
                 help="Replace this job (or start a new run) even if unchanged (repeatable)."),
    click.option("--prune/--no-prune", default=None,
                 help="Delete managed jobs no longer declared (default: the project's `prune`, true)."),
    click.option("--allow-empty", is_flag=True, help="Allow a plan that deletes every job when none is declared."),
)


def _with_options(func: Callable[..., Any], options: Sequence[Callable[[Any], Any]]) -> Callable[..., Any]:
    for option in reversed(options):
        func = option(func)
    return func


def project_options(func: Callable[..., R]) -> Callable[..., R]:
    """Declare the project options; the command receives them as `project: ProjectArgs`."""
    @functools.wraps(func)
    def command(*args: Any, project_dir: Path | None, environment: str | None, var: tuple[str, ...],
                values: tuple[Path, ...], **kwargs: Any) -> R:
        return func(*args, project=ProjectArgs(project_dir, environment, tuple(var), tuple(values)), **kwargs)

    return _with_options(command, _PROJECT_OPTIONS)


def reconcile_options(func: Callable[..., R]) -> Callable[..., R]:
    """Declare the reconcile options (and the project's); the command receives `reconcile: ReconcileArgs`."""
    @functools.wraps(func)
    def command(*args: Any, local: bool, targets: tuple[str, ...], replace: tuple[str, ...], prune: bool | None,
                allow_empty: bool, **kwargs: Any) -> R:
        return func(*args, reconcile=ReconcileArgs(local, tuple(targets), tuple(replace), prune, allow_empty),
                    **kwargs)

    return project_options(_with_options(command, _RECONCILE_OPTIONS))


def hub_options(func: Callable[..., R]) -> Callable[..., R]:
    """`--local` and the project options, for commands that read the Hub but plan nothing."""
    @functools.wraps(func)
    def command(*args: Any, local: bool, **kwargs: Any) -> R:
        return func(*args, reconcile=ReconcileArgs(local=local), **kwargs)

    return project_options(_with_options(command, (LOCAL_OPTION,)))


def manifest_settings(glob: GlobalOptions, project: ProjectArgs, paths: Sequence[Path] = ()) -> ManifestSettings:
    from hfjobs_spec.commands.manifests import ManifestSettings
    from hfjobs_spec.manifest.project import ProjectOptions

    merged = project.over(glob.project)
    options = ProjectOptions(project_dir=merged.project_dir, cwd=Path.cwd(), environment=merged.environment,
                             var_overrides=merged.var, values_files=merged.values)
    return ManifestSettings(project=options, paths=tuple(paths), mask=glob.mask)


def reconcile_settings(glob: GlobalOptions, project: ProjectArgs, reconcile: ReconcileArgs, *,
                       lock_timeout: float | None = None) -> ReconcileSettings:
    from hfjobs_spec.commands.hub import HubSettings
    from hfjobs_spec.commands.reconcile import ReconcileSettings
    from hfjobs_spec.reconcile.lease import LeaseSettings

    return ReconcileSettings(
        manifests=manifest_settings(glob, project),
        hub=HubSettings(local=reconcile.local or glob.local, endpoint=glob.endpoint, notify=note, mask=glob.mask),
        prune=reconcile.prune,
        allow_empty=reconcile.allow_empty,
        replace=reconcile.replace,
        targets=reconcile.targets,
        lease=LeaseSettings() if lock_timeout is None else LeaseSettings(timeout=lock_timeout),
    )


def replay_options(glob: GlobalOptions, project: ProjectArgs, reconcile: ReconcileArgs) -> list[str]:
    """The global options that made a plan, to repeat when applying it (same Hub, project, variables)."""
    merged = project.over(glob.project)
    args = ["--local"] if reconcile.local or glob.local else []
    if merged.project_dir is not None:
        args += ["--project-dir", str(merged.project_dir)]
    if merged.environment:
        args += ["-E", merged.environment]
    for assignment in merged.var:
        args += ["--var", assignment]
    for values in merged.values:
        args += ["--values", str(values)]
    return args


def note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


def use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """An option callback: `90`, `30s`, `5m`, `1h`, as seconds."""
    text = value.strip()
    unit = _DURATION_UNITS.get(text[-1:])
    number = text[:-1] if unit else text
    if not number or len(number) > 12 or not number.replace(".", "", 1).isdigit():
        raise click.BadParameter(f"{value!r} is not a duration such as 90, 30s, 5m or 1h")
    return float(number) * (unit or 1)


def optional_duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """`duration`, for an option without a default (None: no limit)."""
    return None if value is None else duration(ctx, param, value)
