"""Watching runs on the in-memory fake: stage changes, vanished runs, timeouts, and logs by counting."""

from __future__ import annotations

from collections.abc import Callable

from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import JobRequest
from hfjobs_spec.output.operate import elapsed, event_line, final_events, log_line, wait_verdict
from hfjobs_spec.reconcile.watch import RunEvent, RunRef, follow_logs, wait_for_runs


class Script:
    """A clock whose every sleep also plays the next step of a scripted story on the fake Hub."""

    def __init__(self, *steps: Callable[[], None]) -> None:
        self.t = 0.0
        self.steps = list(steps)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        if self.steps:
            self.steps.pop(0)()


def steps(*actions: Callable[[], object]) -> Callable[[], None]:
    """Several actions as one step of a script."""
    def step() -> None:
        for action in actions:
            action()

    return step


def start(hub: FakeHub, name: str) -> RunRef:
    request = JobRequest(image="python:3.12", command=("true",), env={}, flavor="cpu-basic", labels={}, secrets={})
    return RunRef(name, "alice", hub.run_job("alice", request).id)


def test_wait_reports_each_change_once_and_a_vanished_run_as_deleted() -> None:
    hub = FakeHub()
    a, b = start(hub, "a"), start(hub, "b")
    script = Script(lambda: hub.finish_run(a.id, "RUNNING"), lambda: None,
                    steps(lambda: hub.finish_run(a.id), lambda: hub.runs.pop(b.id)))
    events = list(wait_for_runs(hub, [a, b], script))
    assert [(e.run.name, e.stage) for e in events] == [("a", "SCHEDULING"), ("b", "SCHEDULING"), ("a", "RUNNING"),
                                                       ("a", "COMPLETED"), ("b", "DELETED")]
    assert events[2].elapsed == 3.0 and events[3].elapsed == 9.0  # rounds every 3 s for two runs
    assert wait_verdict(final_events(events)) == (
        "1 of 2 runs did not complete: b (DELETED: the run is no longer on the Hub)")


def test_wait_times_out_on_the_dot() -> None:
    hub = FakeHub()
    ref = start(hub, "slow")
    events = list(wait_for_runs(hub, [ref], Script(), timeout=10))
    assert [(e.stage, e.timed_out, e.elapsed) for e in events] == [("SCHEDULING", False, 0.0),
                                                                    ("SCHEDULING", True, 10.0)]


def test_follow_counts_lines_already_shown_and_ends_with_the_run() -> None:
    hub = FakeHub()
    ref = start(hub, "job")
    hub.log(ref.id, "one", "two")
    script = Script(steps(lambda: hub.finish_run(ref.id, "RUNNING"), lambda: hub.log(ref.id, "three")),
                    steps(lambda: hub.log(ref.id, "four"), lambda: hub.finish_run(ref.id, "ERROR")))
    items = list(follow_logs(hub, ref, script, follow=True, tail=1))
    lines = [item for item in items if isinstance(item, str)]
    stages = [item.stage for item in items if isinstance(item, RunEvent)]
    assert lines == ["two", "three", "four"] and stages == ["SCHEDULING", "RUNNING", "ERROR"]
    assert list(follow_logs(hub, ref, script, tail=2)) == ["three", "four"]


def test_elapsed_is_short() -> None:
    assert [elapsed(s) for s in (0, 59.9, 65, 3600 * 2 + 61)] == ["0s", "59s", "1m05s", "2h01m"]


def test_the_hubs_words_are_printed_as_data() -> None:
    token = "hf_" + "a" * 34
    assert log_line(f"\x1b[2Jstep\t1\rdone {token}") == "\\x1b[2Jstep\t1\\rdone hf_***"
    event = RunEvent(RunRef("job", "alice", "abc"), "ERROR\x1b]0;pwned\x07", 5.0, f"bad\n::add-mask::{token}")
    line = event_line(event)
    assert "\x1b" not in line and "\n" not in line and token not in line and line.startswith("[    5s] job")
