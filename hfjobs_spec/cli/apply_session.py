"""What `apply` does at a terminal: ask before changing anything, show progress, handle Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from hfjobs_spec.reconcile.execute import ChangeEvent


def confirm_or_cancel(auto_approve: bool, verb: str = "apply", question: str = "Apply these changes?") -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"refusing to {verb} without confirmation: not on a terminal; pass --auto-approve")
    answer = click.prompt(f"{question} Only 'yes' will be accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise Cancelled(f"{verb.capitalize()} cancelled; nothing was changed.")


class Cancelled(click.ClickException):
    pass


class GracefulInterrupts:
    """While armed, a first Ctrl-C sets `stop` (no new change starts); a second one interrupts as usual.

    A flag rather than a KeyboardInterrupt raised at a random point of the main thread, which can
    land inside the thread pool's own locking and leave a worker waiting forever.
    """

    def __init__(self, progress: Progress | None = None) -> None:
        self.stop = threading.Event()
        self._progress = progress
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
        running = self._progress.running if self._progress else 0
        click.echo(f"\nStopping after the {running} change{'s' if running != 1 else ''} in flight; no new change "
                   "will start (Ctrl-C again to abort).", err=True)


class Progress:
    """Per-change lines as they finish; on a terminal, also a live counter on the last line."""

    def __init__(self, *, to_stderr: bool = False) -> None:
        self.total = 0
        self.done = 0
        self.failed = 0
        self.running = 0
        self.err = to_stderr
        self.live = (sys.stderr if to_stderr else sys.stdout).isatty()
        self._lock = threading.Lock()

    def event(self, event: ChangeEvent) -> None:
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
                click.echo("\r\033[K", nl=False, err=self.err)
            if line:
                click.echo(line, err=self.err)
            if self.live:
                click.echo(f"[{self.done}/{self.total}] {self.running} running, {self.failed} failed", nl=False,
                           err=self.err)

    def close(self) -> None:
        if self.live:
            click.echo("\r\033[K", nl=False, err=self.err)
