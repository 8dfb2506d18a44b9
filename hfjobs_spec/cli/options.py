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
from hfjobs_spec.reconcile.limits import DEFAULT_PARALLELISM

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

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
    policy_overrides: tuple[str, ...] = ()

    @property
    def shapes_the_plan(self) -> bool:
        return bool(self.targets or self.replace or self.prune is not None or self.allow_empty
                    or self.policy_overrides)


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


def complete_job_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a manifest name (attach with `shell_complete=complete_job_names`).

    Reads the project named by `--project-dir` (before or after the command) or found from the
    current folder; never the Hub. Never raises: a broken project completes nothing.
    """
    from hfjobs_spec.commands.completion import job_names

    return _complete(lambda: job_names(_completion_project_dir(ctx), Path.cwd()), ctx, param, incomplete)


def complete_environments(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of `-E/--environment`: the environments of hfjobs.yaml."""
    from hfjobs_spec.commands.completion import environment_names

    return _complete(lambda: environment_names(_completion_project_dir(ctx), Path.cwd()), ctx, param, incomplete)


def _complete(read: Callable[[], list[str]], ctx: click.Context, param: click.Parameter,
              incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    try:
        names = read()
    except Exception:  # completion must never print a traceback into the user's prompt
        return []
    given = ctx.params.get(param.name or "") if param.multiple or param.nargs == -1 else None
    taken = set(given) if isinstance(given, (list, tuple)) else set()
    return [CompletionItem(name) for name in names if name.startswith(incomplete) and name not in taken]


def _completion_project_dir(ctx: click.Context) -> Path | None:
    current: click.Context | None = ctx
    while current is not None:
        value = current.params.get("project_dir")
        if isinstance(value, (str, Path)) and str(value):
            return Path(value)
        current = current.parent
    return None


_PROJECT_OPTIONS = (
    click.option("--project-dir", type=click.Path(path_type=Path, file_okay=False),
                 help="Project root (default: search upward for hfjobs.yaml)."),
    click.option("-E", "--environment", help="Environment from hfjobs.yaml to apply.",
                 shell_complete=complete_environments),
    click.option("--var", multiple=True, metavar="KEY=VALUE", help="Set a template variable (repeatable)."),
    click.option("--values", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                 help="YAML file of template variables (repeatable, later files win)."),
)
LOCAL_OPTION = click.option("--local", "local", is_flag=True,
                            help="Use the embedded local Hub (state in .hfjobs/); no account needed.")
def policy_rules(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """An option callback: each value must name a rule of `policy:` (with a did-you-mean)."""
    from hfjobs_spec.policy.model import check_override_names

    problem = check_override_names(value)
    if problem is not None:
        raise click.BadParameter(problem)
    return tuple(sorted(set(value)))


_RECONCILE_OPTIONS = (
    LOCAL_OPTION,
    click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this job (repeatable).",
                 shell_complete=complete_job_names),
    click.option("--replace", "replace", multiple=True, metavar="NAME",
                 help="Replace this job (or start a new run) even if unchanged (repeatable).",
                 shell_complete=complete_job_names),
    click.option("--prune/--no-prune", default=None,
                 help="Delete managed jobs no longer declared (default: the project's `prune`, true)."),
    click.option("--allow-empty", is_flag=True, help="Allow a plan that deletes every job when none is declared."),
    click.option("--policy-override", "policy_overrides", multiple=True, metavar="RULE", callback=policy_rules,
                 help="Accept changes that break this policy rule, knowingly (repeatable; recorded in the plan)."),
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
                allow_empty: bool, policy_overrides: tuple[str, ...], **kwargs: Any) -> R:
        return func(*args, reconcile=ReconcileArgs(local, tuple(targets), tuple(replace), prune, allow_empty,
                                                   policy_overrides), **kwargs)

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
    return ManifestSettings(project=options, paths=tuple(paths), mask=glob.mask, warn=warning)


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
        policy_overrides=reconcile.policy_overrides,
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


def warning(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


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


# What apply and destroy share: how the changes are carried out and reported.
_EXECUTION_OPTIONS = (
    click.option("--auto-approve", is_flag=True, help="Go ahead without asking (required when not on a terminal)."),
    click.option("--parallelism", type=click.IntRange(1, 64), default=DEFAULT_PARALLELISM, show_default=True,
                 help="Changes made at the same time."),
    click.option("--lock-timeout", callback=duration, default="2m", show_default=True,
                 help="How long to wait while another apply of this project environment holds the lock."),
    click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                 help="json: the report on stdout as JSON (the plan and progress go to stderr)."),
)


def execution_options(func: Callable[..., R]) -> Callable[..., R]:
    """`--auto-approve`, `--parallelism`, `--lock-timeout` and `--format`, declared once for apply and destroy."""
    return _with_options(func, _EXECUTION_OPTIONS)
