"""Watching runs on the Hub: their stage changes until they end, and their logs as they grow.

Both are generators of events; the CLI prints them. Time is a `Pacer` passed in (monotonic now and
sleep), so tests move localhub's clock instead of sleeping. Polls are spaced to stay well inside the
Hub's request windows: one inspect per run per round, and rounds no closer than a second per run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hfjobs_spec.errors import HubNotFoundError
from hfjobs_spec.hub.model import LiveRun
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.stages import TERMINAL_STAGES

POLL_SECONDS = 3.0
SECONDS_PER_RUN = 1.0  # a round of N inspects is spaced at least N seconds from the next


class Pacer(Protocol):
    """The passing of time: `now()` in seconds (monotonic), and `sleep()`."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealPacer:
    """Wall-clock time, for the CLI."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class RunRef:
    """One run of one manifest; `stage` is the one it was found in, if known (not part of its identity)."""

    name: str
    namespace: str
    id: str
    url: str | None = field(default=None, compare=False)
    stage: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RunEvent:
    """A run seen in a new stage (or with a new message), `elapsed` seconds after watching began.

    `timed_out`: the wait gave up on it while it was still in `stage`.
    """

    run: RunRef
    stage: str
    elapsed: float
    message: str | None = None
    timed_out: bool = False

    @property
    def ended(self) -> bool:
        return self.stage in TERMINAL_STAGES or self.timed_out

    @property
    def ok(self) -> bool:
        return self.stage == "COMPLETED" and not self.timed_out


def _look(backend: HubBackend, ref: RunRef) -> tuple[str, str | None]:
    try:
        run: LiveRun = backend.inspect_job(ref.namespace, ref.id)
    except HubNotFoundError:
        return "DELETED", "the run is no longer on the Hub"
    return run.stage, run.message


def wait_for_runs(backend: HubBackend, refs: Sequence[RunRef], pacer: Pacer, *,
                  timeout: float | None = None) -> Iterator[RunEvent]:
    """Every stage change of `refs` until each has ended or `timeout` seconds have passed.

    Each run's last event has `ended` set: a terminal stage, or `timed_out` with the stage it was in.
    """
    start = pacer.now()
    seen: dict[str, tuple[str, str | None]] = {}
    waiting = list(dict.fromkeys(refs))
    interval = max(POLL_SECONDS, SECONDS_PER_RUN * len(waiting))
    while waiting:
        for ref in list(waiting):
            state = _look(backend, ref)
            if seen.get(ref.id) != state:
                seen[ref.id] = state
                event = RunEvent(ref, state[0], pacer.now() - start, state[1])
                yield event
                if event.ended:
                    waiting.remove(ref)
        if not waiting:
            return
        elapsed = pacer.now() - start
        if timeout is not None and elapsed >= timeout:
            for ref in waiting:
                stage, message = seen[ref.id]
                yield RunEvent(ref, stage, elapsed, message, timed_out=True)
            return
        pause = interval if timeout is None else min(interval, timeout - elapsed)
        pacer.sleep(max(pause, 0.0))


def follow_logs(backend: HubBackend, ref: RunRef, pacer: Pacer, *, follow: bool = False,
                tail: int | None = None) -> Iterator[str | RunEvent]:
    """The run's log lines; with `follow`, new ones as they come and its stage changes, until it ends.

    Every read returns the whole log so far (as the Hub replays it), so lines already shown are
    skipped by counting. The stage is read before the log: once it is terminal, the log read after
    it is complete.
    """
    if not follow:
        yield from backend.job_logs(ref.namespace, ref.id, tail)
        return
    start = pacer.now()
    shown: int | None = None
    last: tuple[str, str | None] | None = None
    while True:
        state = _look(backend, ref)
        ended = state[0] in TERMINAL_STAGES
        if state != last and not ended:
            yield RunEvent(ref, state[0], pacer.now() - start, state[1])
        last = state
        lines = [] if state[0] == "DELETED" else backend.job_logs(ref.namespace, ref.id)
        if shown is None:  # the first read: only the last `tail` lines of what is there
            shown = 0 if tail is None else max(len(lines) - tail, 0)
        yield from lines[shown:]
        shown = max(shown, len(lines))
        if ended:
            yield RunEvent(ref, state[0], pacer.now() - start, state[1])
            return
        pacer.sleep(POLL_SECONDS)
