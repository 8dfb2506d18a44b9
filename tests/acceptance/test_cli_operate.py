"""Day 2 through the CLI: `logs`, `wait`, `run` and `apply --wait` against localhub, by manifest name.

The hub's clock is frozen; the CLI is handed a clock that moves it when a command would sleep, so
every wait below is a jump of the hub's time, never a real one.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from hfjobs_spec import labels as L
from hfjobs_spec.cli import main
from hfjobs_spec.cli.options import GlobalOptions
from hfjobs_spec.localhub import Clock, LocalHub
from tests.acceptance.support import TOKEN

START = datetime(2026, 1, 5, 12, tzinfo=UTC)
SMOKE = """\
    name: smoke
    image: python:3.12
    command: [python, -c, "print('{{ vars.greeting }}')"]
    env:
      LOCALHUB_LOGS: "loading\\nevaluating\\n{{ vars.greeting }}\\n\\e[31mred\\tand tabbed"
      LOCALHUB_SCHEDULING_SECONDS: "4"
      LOCALHUB_SCHEDULING_MESSAGE: "Waiting for a cpu-basic machine"
      LOCALHUB_RUN_SECONDS: "10"
"""
BROKEN = """\
    name: broken
    image: python:3.12
    command: [python, -c, "raise SystemExit(1)"]
    env: {LOCALHUB_OUTCOME: error, LOCALHUB_RUN_SECONDS: "5"}
"""
SLOW = """\
    name: slow
    image: python:3.12
    command: [python, train.py]
    timeout: 2h
    env: {LOCALHUB_RUN_SECONDS: "3600"}
"""
NIGHTLY = """\
    name: nightly
    schedule: "0 3 * * *"
    image: python:3.12
    command: [python, -c, "print('{{ vars.greeting }}')"]
    env: {LOCALHUB_LOGS: "nightly {{ vars.greeting }}", LOCALHUB_RUN_SECONDS: "20"}
"""


class HubTime:
    """The CLI's clock in these tests: the hub's frozen clock, moved forward instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.slept = 0.0

    def now(self) -> float:
        return self.clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.slept += seconds


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@dataclass
class Day2:
    root: Path
    hub: LocalHub
    time: HubTime
    api: HfApi

    def write(self, **jobs: str) -> None:
        (self.root / "jobs").mkdir(parents=True, exist_ok=True)
        for old in (self.root / "jobs").glob("*.yaml"):
            old.unlink()
        for name, body in jobs.items():
            (self.root / "jobs" / f"{name}.yaml").write_text("apiVersion: hfjobs/v1\n" + textwrap.dedent(body))

    def cli(self, *argv: str, code: int | None = 0) -> Run:
        out, err = io.StringIO(), io.StringIO()
        options = GlobalOptions(endpoint=self.hub.url, pacer=self.time)
        with contextlib.chdir(self.root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = main(list(argv), options=options)
        done = Run(result, out.getvalue(), err.getvalue())
        assert "Traceback" not in done.err
        if code is not None:
            assert result == code, f"exit {result}\n{done.out}\n{done.err}"
        return done

    def runs(self, name: str) -> list[Seen]:
        """The runs of manifest `name` as the client sees them, newest first."""
        return [Seen(job.id, dict(job.labels or {}), job.status.stage, job.initiator.type if job.initiator else "",
                     " ".join(job.command or ()))
                for job in self.api.list_jobs(namespace="alice", labels={L.MANIFEST_NAME: name})]


@dataclass(frozen=True)
class Seen:
    id: str
    labels: dict[str, str]
    stage: str
    initiator: str
    command: str


@pytest.fixture
def day2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Day2]:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "hfjobs.yaml").write_text("apiVersion: hfjobs/v1\nproject: ops\nnamespace: alice\n"
                                      "vars: {greeting: hello}\n")
    clock = Clock.frozen_at(START)
    with LocalHub(user="alice", clock=clock) as hub:
        yield Day2(root, hub, HubTime(clock), HfApi(endpoint=hub.url, token=TOKEN))


def test_logs_say_clearly_when_a_job_has_not_run(day2: Day2) -> None:
    day2.write(smoke=SMOKE, nightly=NIGHTLY)
    assert "smoke has not run yet: `hfjobs-spec apply` starts its run" in day2.cli("logs", "smoke", code=1).err
    assert "nightly is not on the Hub yet" in day2.cli("logs", "nightly", code=1).err
    day2.cli("apply", "--auto-approve")
    assert "nightly has not run yet: its first run is due at 2026-01-06 03:00 UTC" in day2.cli(
        "logs", "nightly", code=1).err
    assert "did you mean 'smoke'?" in day2.cli("logs", "smok", code=1).err


def test_logs_follow_streams_until_the_run_ends(day2: Day2) -> None:
    day2.write(smoke=SMOKE, broken=BROKEN)
    day2.cli("apply", "--auto-approve")
    followed = day2.cli("logs", "smoke", "--follow")
    assert followed.out.splitlines() == ["loading", "evaluating", "hello", "\\x1b[31mred\tand tabbed",
                                         "[localhub] job finished successfully"]
    stages = followed.err.splitlines()
    assert stages[0].startswith("Logs of smoke (run ")
    assert stages[1].endswith(": SCHEDULING: Waiting for a cpu-basic machine")
    assert stages[2].endswith(": RUNNING") and stages[3].endswith(": COMPLETED") and len(stages) == 4
    assert day2.time.slept >= 14  # the hub's clock moved through scheduling and running; nothing slept
    # Once it has ended: the whole log at once, or its tail.
    assert day2.cli("logs", "smoke").out == followed.out
    assert day2.cli("logs", "smoke", "--tail", "2").out.splitlines() == [
        "\\x1b[31mred\tand tabbed", "[localhub] job finished successfully"]
    # A run of another job is refused by name.
    (broken,) = day2.runs("broken")
    refused = day2.cli("logs", "smoke", "--run", broken.id, code=1)
    assert f"--run {broken.id}: not a run of smoke (a run of 'broken')" in refused.err


def test_follow_with_tail_starts_from_the_last_lines(day2: Day2) -> None:
    day2.write(smoke=SMOKE)
    day2.cli("apply", "--auto-approve")
    day2.time.sleep(5.5)  # running: two lines are out
    so_far = day2.cli("logs", "smoke")
    assert so_far.out.splitlines() == ["loading", "evaluating"]
    assert "The run is RUNNING: --follow keeps printing until it ends." in so_far.err
    followed = day2.cli("logs", "smoke", "--follow", "--tail", "1")
    assert followed.out.splitlines() == ["evaluating", "hello", "\\x1b[31mred\tand tabbed",
                                         "[localhub] job finished successfully"]


def test_wait_success_failure_and_timeout(day2: Day2) -> None:
    day2.write(smoke=SMOKE, broken=BROKEN, slow=SLOW)
    day2.cli("apply", "--auto-approve")
    ok = day2.cli("wait", "smoke")
    lines = ok.out.splitlines()
    assert lines[0].startswith("[    0s] smoke (run ") and lines[0].endswith(
        ": SCHEDULING: Waiting for a cpu-basic machine")
    assert lines[1].endswith(": RUNNING") and lines[2].endswith(": COMPLETED")
    assert lines[-1] == "The run completed."
    failed = day2.cli("wait", "smoke", "broken", code=1)
    assert failed.out.splitlines()[-1] == (
        "1 of 2 runs did not complete: broken (ERROR: Job failed with exit code 1)")
    before = day2.time.slept
    timed_out = day2.cli("wait", "slow", "smoke", "--timeout", "1m", code=1)
    assert "still RUNNING when the timeout passed" in timed_out.out
    assert timed_out.out.splitlines()[-1] == "1 of 2 runs did not complete: slow (timed out while RUNNING)"
    assert day2.time.slept - before == pytest.approx(60, abs=0.01)
    assert "--timeout" in day2.cli("wait", "slow", "--timeout", "soon", code=1).err


def test_apply_wait_fails_the_deploy_whose_run_errors(day2: Day2) -> None:
    day2.write(smoke=SMOKE, broken=BROKEN, nightly=NIGHTLY)
    deploy = day2.cli("apply", "--auto-approve", "--wait", code=1)
    assert "Waiting for the 2 runs apply started:" in deploy.out
    assert deploy.out.splitlines()[-1] == "1 of 2 runs did not complete: broken (ERROR: Job failed with exit code 1)"
    assert "nightly (run" not in deploy.out  # the schedule's runs are not apply's to wait for
    day2.write(smoke=SMOKE.replace("10", "11"), nightly=NIGHTLY)  # a new revision of smoke; broken is gone
    good = day2.cli("apply", "--auto-approve", "--wait", "--wait-timeout", "5m")
    assert good.out.splitlines()[-1] == "The run completed."
    # The earlier revision's run left the listing (retired), and is still one of smoke's runs.
    first = [run for run in day2.api.list_jobs(namespace="alice", labels={L.RETIRED_FROM: "ops"})]
    assert [run.labels[L.MANIFEST_NAME] for run in first if run.labels] == ["smoke"]
    old = day2.cli("logs", "smoke", "--run", first[0].id)
    assert old.out.splitlines()[-1] == "[localhub] job finished successfully" and ", COMPLETED:" in old.err
    assert "nothing to wait for" in day2.cli("apply", "--auto-approve", "--wait").out
    day2.write(broken=BROKEN.replace('"5"', '"6"'))
    as_json = day2.cli("apply", "--auto-approve", "--wait", "--format", "json", code=1)
    assert as_json.out.startswith("{") and "broken (ERROR" in as_json.err  # the report stays parseable


def test_run_triggers_a_scheduled_job_by_hand(day2: Day2) -> None:
    day2.write(nightly=NIGHTLY)
    day2.cli("apply", "--auto-approve")
    started = day2.cli("run", "nightly")
    assert started.out.startswith("Started nightly (run ") and "triggered its schedule." in started.out
    (run,) = day2.runs("nightly")
    assert run.labels[L.STARTED_BY] == "hand" and run.initiator == "scheduled-job"
    assert run.labels[L.PROJECT] == "ops" and run.labels[L.SPEC_HASH]
    busy = day2.cli("run", "nightly", code=1)
    assert "nightly has a run in progress" in busy.err and "`hfjobs-spec wait nightly`" in busy.err
    assert day2.cli("logs", "nightly", "--follow").out.splitlines()[0] == "nightly hello"
    assert "the Hub matches the manifests" in day2.cli("plan").out
    # The manifest renders differently with the variables given: the trigger cannot, so it runs once as rendered.
    rendered = day2.cli("run", "nightly", "--var", "greeting=bonjour")
    assert "a one-shot run of the manifest" in rendered.out and "note:" in rendered.err
    newest = day2.runs("nightly")[0]
    assert newest.labels[L.STARTED_BY] == "hand" and "bonjour" in newest.command
    assert "the Hub matches the manifests" in day2.cli("plan").out
    assert day2.cli("wait", "nightly").out.splitlines()[-1] == "The run completed."


def test_run_starts_a_one_shot_run_outside_the_revision_rule(day2: Day2) -> None:
    day2.write(smoke=SMOKE)
    day2.cli("apply", "--auto-approve")
    (revision,) = day2.runs("smoke")
    followed = day2.cli("run", "smoke", "--var", "greeting=bye", "--follow")
    assert "a one-shot run of the manifest" in followed.out and "bye" in followed.out.splitlines()
    hand = next(run for run in day2.runs("smoke") if run.id != revision.id)
    assert hand.labels[L.STARTED_BY] == "hand"
    assert "the Hub matches the manifests" in day2.cli("plan").out
    # A hand run still going when the manifest changes is neither cancelled nor retired.
    day2.cli("run", "smoke")
    day2.write(smoke=SMOKE.replace("10", "12"))
    day2.cli("apply", "--auto-approve")
    hands = [run for run in day2.runs("smoke") if run.labels.get(L.STARTED_BY) == "hand"]
    assert len(hands) == 2
    assert all(run.stage != "CANCELED" and run.labels[L.PROJECT] == "ops" for run in hands)
    day2.write(broken=BROKEN)
    assert day2.cli("run", "broken", "--follow", code=1).err.splitlines()[-1].endswith(
        ": ERROR: Job failed with exit code 1")


@pytest.mark.parametrize("command", ["logs", "wait", "run"])
def test_help_shows_examples(command: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([command, "--help"]) == 0
    assert "Examples:" in out.getvalue() and f"hfjobs-spec {command} " in out.getvalue()
