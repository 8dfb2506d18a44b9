"""The command line: parse options, call the core, print, choose the exit code. Nothing else.

Exit codes: 0 success; 1 any error (invalid manifests, Hub failures, usage errors, stale plans);
2 only from `plan --detailed-exitcode` when there are changes; 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from hfjobs_spec import __version__
from hfjobs_spec.errors import HfJobsSpecError, ManifestErrors, ProjectError
from hfjobs_spec.masking import SecretMask, masked_output
from hfjobs_spec.reconcile.execute import DEFAULT_PARALLELISM

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """`90`, `30s`, `5m`, `1h`, as seconds."""
    text = value.strip()
    unit = _DURATION_UNITS.get(text[-1:])
    number = text[:-1] if unit else text
    if not number or len(number) > 12 or not number.replace(".", "", 1).isdigit():
        raise click.BadParameter(f"{value!r} is not a duration such as 90, 30s, 5m or 1h")
    return float(number) * (unit or 1)


@dataclass
class GlobalOptions:
    """Options given before the command; the same options after it win."""

    project_dir: Path | None = None
    environment: str | None = None
    var: tuple[str, ...] = ()
    values: tuple[Path, ...] = ()
    local: bool = False
    debug: bool = False
    mask: SecretMask = field(default_factory=SecretMask)


def _project_options(func: F) -> F:
    options = [
        click.option("--project-dir", type=click.Path(path_type=Path, file_okay=False),
                     help="Project root (default: search upward for hfjobs.yaml)."),
        click.option("-E", "--environment", help="Environment from hfjobs.yaml to apply."),
        click.option("--var", multiple=True, metavar="KEY=VALUE", help="Set a template variable (repeatable)."),
        click.option("--values", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                     help="YAML file of template variables (repeatable, later files win)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_project_options
@click.option("--local", is_flag=True, help="Use the embedded local Hub (state in .hfjobs/); no account needed.")
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(__version__, prog_name="hfjobs-spec")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None, environment: str | None, var: tuple[str, ...],
        values: tuple[Path, ...], local: bool, debug: bool) -> None:
    """GitOps for Hugging Face Jobs: declare jobs in YAML, validate them, plan and apply them."""
    glob = ctx.ensure_object(GlobalOptions)  # main() passes one in, holding the output's secret mask
    glob.project_dir, glob.environment, glob.var, glob.values = project_dir, environment, var, values
    glob.local, glob.debug = local, debug


def _settings(ctx: click.Context, project_dir: Path | None, environment: str | None, var: tuple[str, ...],
              values: tuple[Path, ...], paths: Sequence[Path] = ()) -> Any:
    from hfjobs_spec.commands.manifests import ManifestSettings
    from hfjobs_spec.manifest.project import ProjectOptions

    glob: GlobalOptions = ctx.find_object(GlobalOptions) or GlobalOptions()
    options = ProjectOptions(
        project_dir=project_dir or glob.project_dir,
        cwd=Path.cwd(),
        environment=environment or glob.environment,
        var_overrides=(*glob.var, *var),
        values_files=(*glob.values, *values),
    )
    return ManifestSettings(project=options, paths=tuple(paths), mask=glob.mask)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@_project_options
@click.pass_context
def validate(ctx: click.Context, /, paths: tuple[Path, ...], fmt: str, **project: Any) -> None:
    """Check manifests (default: the project's jobs_dir). Exit 0 if valid, 1 if not."""
    from hfjobs_spec.commands import manifests
    from hfjobs_spec.output import validation as report

    try:
        result = manifests.validate(_settings(ctx, paths=paths, **project), os.environ)
    except ProjectError as exc:
        if fmt == "text":
            raise
        result = manifests.project_error(exc)  # keep json and github output parseable
    if fmt == "json":
        click.echo(report.json_report(result.issues, result.files, result.jobs), nl=False)
    elif fmt == "github":
        click.echo(report.github_report(result.issues, _workspace_prefix()), nl=False)
        if result.ok:
            click.echo(report.text_report((), len(result.files), result.jobs), nl=False)
    else:
        click.echo(report.text_report(result.issues, len(result.files), result.jobs), nl=False)
    ctx.exit(EXIT_OK if result.ok else EXIT_ERROR)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@_project_options
@click.pass_context
def render(ctx: click.Context, /, paths: tuple[Path, ...], fmt: str, **project: Any) -> None:
    """Print the fully rendered, normalised jobs (secrets as references, never values)."""
    from hfjobs_spec.commands import manifests
    from hfjobs_spec.output import specs as output

    _, specs = manifests.load_specs(_settings(ctx, paths=paths, **project), os.environ)
    click.echo(output.json_output(specs) if fmt == "json" else output.yaml_output(specs), nl=False)


@cli.command()
@click.argument("kind", type=click.Choice(["job", "project"]), default="job")
def schema(kind: str) -> None:
    """Print the JSON Schema of a job manifest (default) or of hfjobs.yaml."""
    from hfjobs_spec.manifest.schema import schema_text

    click.echo(schema_text(kind), nl=False)


def _reconcile_settings(ctx: click.Context, project: dict[str, Any], *, local: bool, prune: bool | None = None,
                        allow_empty: bool = False, replace: Sequence[str] = (), targets: Sequence[str] = (),
                        lock_timeout: float | None = None) -> Any:
    from hfjobs_spec.commands.hub import HubSettings
    from hfjobs_spec.commands.reconcile import ReconcileSettings
    from hfjobs_spec.reconcile.lease import LeaseSettings

    glob: GlobalOptions = ctx.find_object(GlobalOptions) or GlobalOptions()
    return ReconcileSettings(
        manifests=_settings(ctx, **project),
        hub=HubSettings(local=local or glob.local, notify=_note, mask=glob.mask),
        prune=prune,
        allow_empty=allow_empty,
        replace=tuple(replace),
        targets=tuple(targets),
        lease=LeaseSettings() if lock_timeout is None else LeaseSettings(timeout=lock_timeout),
    )


def _reconcile_options(func: F) -> F:
    options = [
        click.option("--local", "local", is_flag=True, help="Use the embedded local Hub (state in .hfjobs/)."),
        click.option("--target", "targets", multiple=True, metavar="NAME", help="Only this job (repeatable)."),
        click.option("--replace", "replace", multiple=True, metavar="NAME",
                     help="Replace this job (or start a new run) even if unchanged (repeatable)."),
        click.option("--prune/--no-prune", default=None,
                     help="Delete managed jobs no longer declared (default: the project's `prune`, true)."),
        click.option("--allow-empty", is_flag=True, help="Allow a plan that deletes every job when none is declared."),
    ]
    for option in reversed(options):
        func = option(func)
    return _project_options(func)


def _note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan (JSON) for `apply`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 if no changes, 2 if changes, 1 on error.")
@_reconcile_options
@click.pass_context
def plan(ctx: click.Context, /, out: Path | None, fmt: str, detailed_exitcode: bool, local: bool,
         targets: tuple[str, ...], replace: tuple[str, ...], prune: bool | None, allow_empty: bool,
         **project: Any) -> None:
    """Show what apply would change on the Hub, field by field."""
    from hfjobs_spec.commands import reconcile
    from hfjobs_spec.output.plan_json import render_plan_json
    from hfjobs_spec.output.plan_markdown import render_plan_markdown
    from hfjobs_spec.output.plan_text import render_plan

    settings = _reconcile_settings(ctx, project, local=local, prune=prune, allow_empty=allow_empty,
                                   replace=replace, targets=targets)
    result = reconcile.run_plan(settings, os.environ)
    if out is not None:
        # A file is output too: a secret value that reached the plan (a --var, say) is masked there as well.
        glob: GlobalOptions = ctx.find_object(GlobalOptions) or GlobalOptions()
        _write_atomically(out, glob.mask.mask(render_plan_json(result)))
    if fmt == "json":
        click.echo(render_plan_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_plan_markdown(result), nl=False)
    else:
        click.echo(render_plan(result, color=_color()), nl=False)
        if out is not None:
            click.echo(f"\nSaved the plan to {out}. Apply exactly this plan with: hfjobs-spec apply {out}")
    reconcile.check_not_blocked(result)
    ctx.exit(EXIT_CHANGES if detailed_exitcode and result.has_changes else EXIT_OK)


@cli.command()
@click.argument("planfile", required=False, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--auto-approve", is_flag=True, help="Apply without asking (required when not on a terminal).")
@click.option("--parallelism", type=click.IntRange(1, 64), default=DEFAULT_PARALLELISM, show_default=True,
              help="Changes applied at the same time.")
@click.option("--lock-timeout", callback=_duration, default="2m", show_default=True,
              help="How long to wait while another apply of this project environment holds the lock.")
@_reconcile_options
@click.pass_context
def apply(ctx: click.Context, /, planfile: Path | None, auto_approve: bool, parallelism: int, lock_timeout: float,
          local: bool,
          targets: tuple[str, ...], replace: tuple[str, ...], prune: bool | None, allow_empty: bool,
          **project: Any) -> None:
    """Make the Hub match the manifests (or carry out a saved PLANFILE)."""
    from hfjobs_spec.commands import reconcile
    from hfjobs_spec.output.apply import render_report
    from hfjobs_spec.output.plan_text import render_plan
    from hfjobs_spec.reconcile.plan_file import read_plan_file

    settings = _reconcile_settings(ctx, project, local=local, prune=prune, allow_empty=allow_empty,
                                   replace=replace, targets=targets, lock_timeout=lock_timeout)
    saved = read_plan_file(planfile) if planfile is not None else None
    if saved is not None and (targets or replace or prune is not None or allow_empty):
        raise click.UsageError("a saved plan is applied as it is: --target, --replace, --prune and --allow-empty "
                               "belong to `plan`")
    progress = _Progress()
    interrupts = _GracefulInterrupts()

    def confirm(chosen: Any) -> None:
        if saved is None:  # a saved plan was reviewed when it was made
            click.echo(render_plan(chosen, color=_color()))
            _confirm(auto_approve)
        progress.total = len(chosen.pending)
        interrupts.arm()  # from here on, Ctrl-C lets the changes in flight finish

    try:
        outcome = reconcile.run_apply(settings, os.environ, saved=saved, confirm=confirm, parallelism=parallelism,
                                      on_event=progress.event, stop=interrupts.stop)
    finally:
        interrupts.disarm()
    progress.close()
    if outcome.report is None:
        click.echo(render_plan(outcome.plan, color=_color()), nl=False)
        return
    click.echo(render_report(outcome.report), nl=False)
    if outcome.report.interrupted:
        ctx.exit(EXIT_INTERRUPTED)
    ctx.exit(EXIT_OK if outcome.report.ok else EXIT_ERROR)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--local", "local", is_flag=True, help="Use the embedded local Hub (state in .hfjobs/).")
@_project_options
@click.pass_context
def status(ctx: click.Context, /, fmt: str, local: bool, **project: Any) -> None:
    """Every managed job on the Hub: kind, schedule, next run, last run and its URL."""
    from hfjobs_spec.commands.reconcile import run_status
    from hfjobs_spec.output.status import render_status, render_status_json

    rows = run_status(_reconcile_settings(ctx, project, local=local), os.environ)
    click.echo(render_status_json(rows) if fmt == "json" else render_status(rows), nl=False)


@cli.command("force-unlock")
@click.argument("lock_id")
@click.option("--local", "local", is_flag=True, help="Use the embedded local Hub (state in .hfjobs/).")
@_project_options
@click.pass_context
def force_unlock(ctx: click.Context, /, lock_id: str, local: bool, **project: Any) -> None:
    """Remove the apply lock LOCK_ID left by an apply that died (the id is in the waiting message)."""
    from hfjobs_spec.commands.reconcile import run_force_unlock

    lock = run_force_unlock(_reconcile_settings(ctx, project, local=local), os.environ, lock_id)
    click.echo(f"Removed {lock.describe()}.")


def _mount_localhub() -> None:
    from hfjobs_spec.localhub.cli import localhub  # light: the server itself loads on first use

    cli.add_command(localhub)


_mount_localhub()


class _GracefulInterrupts:
    """While armed, a first Ctrl-C sets `stop` (no new change starts); a second one interrupts as usual.

    A flag rather than a KeyboardInterrupt raised at a random point of the main thread, which can
    land inside the thread pool's own locking and leave a worker waiting forever.
    """

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._previous: Any = None

    def arm(self) -> None:
        if threading.current_thread() is threading.main_thread() and self._previous is None:
            self._previous = signal.signal(signal.SIGINT, self._first)

    def disarm(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _first(self, signum: int, frame: object) -> None:
        self.stop.set()
        self.disarm()
        click.echo("\nStopping: no new change will start; waiting for those in flight (Ctrl-C again to abort).",
                   err=True)


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise click.UsageError("refusing to apply without confirmation: not on a terminal; pass --auto-approve")
    answer = click.prompt("Apply these changes? Only 'yes' will be accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise _Cancelled("Apply cancelled; nothing was changed.")


class _Cancelled(click.ClickException):
    pass


class _Progress:
    """Per-change lines as they finish; on a terminal, also a live counter on the last line."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.failed = 0
        self.running = 0
        self.live = sys.stdout.isatty()
        self._lock = threading.Lock()

    def event(self, event: Any) -> None:
        from hfjobs_spec.output.apply import event_line

        with self._lock:
            if event.kind == "started":
                self.running += 1
            else:
                self.running -= 1
                self.done += 1
                self.failed += event.kind == "failed"
            line = event_line(event)
            if self.live:
                click.echo("\r\033[K", nl=False)
            if line:
                click.echo(line)
            if self.live:
                click.echo(f"[{self.done}/{self.total}] {self.running} running, {self.failed} failed", nl=False)

    def close(self) -> None:
        if self.live:
            click.echo("\r\033[K", nl=False)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from exc


def _workspace_prefix() -> str:
    """GitHub annotations want paths from the repository root; ours are from the project root."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return ""
    try:
        from hfjobs_spec.manifest.project import ProjectOptions, find_project_root

        root = find_project_root(ProjectOptions())
        relative = root.relative_to(Path(workspace).resolve()).as_posix()
    except (HfJobsSpecError, ValueError):
        return ""
    return "" if relative == "." else relative + "/"


def _print_error(exc: HfJobsSpecError) -> None:
    if isinstance(exc, ManifestErrors):
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        click.echo(f"Error: {exc}", err=True)
    else:
        click.echo(f"Error: {exc}", err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: every byte written goes through the secret mask; then the one error boundary."""
    args = list(sys.argv[1:] if argv is None else argv)
    mask = SecretMask.from_environ(os.environ)
    with masked_output(mask, sys):
        return _run(args, mask)


def _run(args: list[str], mask: SecretMask) -> int:
    """The error boundary: known errors exit 1, Ctrl-C 130, bugs a short note."""
    debug = "--debug" in args
    try:
        # Without standalone mode click returns `ctx.exit(code)` codes instead of calling sys.exit.
        code = cli.main(args=args, prog_name="hfjobs-spec", standalone_mode=False, obj=GlobalOptions(mask=mask))
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        # Usage errors exit 1, never 2: 2 means "changes" to `plan --detailed-exitcode`.
        return EXIT_ERROR
    except HfJobsSpecError as exc:
        if debug:  # the cause, kept by `raise ... from`, is what a maintainer needs
            traceback.print_exc()
        _print_error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: anything else is a bug, reported briefly
        if debug:
            traceback.print_exc()
        click.echo(f"Unexpected error: {type(exc).__name__}: {exc}", err=True)
        if not debug:
            click.echo("This is a bug in hfjobs-spec; rerun with --debug to see the traceback.", err=True)
        return EXIT_ERROR
    return code if isinstance(code, int) else EXIT_OK
