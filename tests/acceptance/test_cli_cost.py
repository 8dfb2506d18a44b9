"""Cost end to end against localhub: plan totals in text, JSON and Markdown, `cost` and `cost --live` with
runs whose durations the localhub clock controls, and `calendar`. In-process through `main` (the entry
point with its error boundary); one test runs the real CLI as a user does.

Hand-computed from the published prices (micro-dollars a minute): a10g-large 25,000, cpu-upgrade 500,
t4-small 6,667. nightly: 1 h → 1,500,000 a run, 30 runs → 45,000,000. hourly: the default 30 minutes →
15,000 a run, 720 runs → 10,800,000. smoke: 10 minutes × 3 attempts → 200,010 a run.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from huggingface_hub import constants

from hfjobs_spec.localhub import Clock, LocalHub
from tests.acceptance.support import TOKEN, Cli, user_env
from tests.manifest.helpers import CliRun, run_main

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
JOBS = {
    "nightly": """\
        name: nightly
        schedule: "0 3 * * *"
        image: python:3.12
        command: [python, -c, "print('train')"]
        flavor: a10g-large
        timeout: 1h
        """,
    "hourly": """\
        name: hourly
        schedule: "@hourly"
        image: python:3.12
        command: [python, -c, "print('sync')"]
        flavor: cpu-upgrade
        env: {LOCALHUB_RUN_SECONDS: "120"}
        """,
    "smoke": """\
        name: smoke
        image: python:3.12
        command: [python, -c, "print('smoke')"]
        flavor: t4-small
        timeout: 10m
        attempts: 3
        env: {LOCALHUB_RUN_SECONDS: "90"}
        """,
}


@pytest.fixture
def clock() -> Clock:
    return Clock.frozen_at(T0)


@pytest.fixture
def costed_hub(clock: Clock) -> Iterator[LocalHub]:
    with LocalHub(user="alice", orgs=("acme",), clock=clock) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path, costed_hub: LocalHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(constants, "ENDPOINT", costed_hub.url)  # what HF_ENDPOINT sets at import
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    root = tmp_path / "repo"
    write(root, "hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: costs\nnamespace: acme\n")
    for name, body in JOBS.items():
        write(root, f"jobs/{name}.yaml", "apiVersion: hfjobs/v1\n" + textwrap.dedent(body))
    return root


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def run(root: Path, *args: str, code: int = 0) -> CliRun:
    result = run_main(list(args), root)
    assert result.code == code, result.out + result.err
    return result


def test_plan_totals_in_text_json_and_markdown(project: Path) -> None:
    text = run(project, "plan").out
    assert "Monthly ceiling: $0.00 → $55.80 (+$55.80)" in text
    assert "One-off ceiling of the runs apply starts: $0.20" in text
    assert "cost: the run it starts: up to $0.20 (10m × 3 attempts at $0.40/h) on t4-small" in text
    data = json.loads(run(project, "plan", "--format", "json").out)
    assert data["cost"]["total"] == {"monthly_before_micro_usd": 0, "monthly_after_micro_usd": 55_800_000,
                                     "monthly_delta_micro_usd": 55_800_000, "one_off_micro_usd": 200_010,
                                     "unknown": []}
    assert data["cost"]["prices"]["a10g-large"] == {"unit_cost_micro_usd": 25_000, "unit_label": "minute"}
    hourly = next(c for c in data["changes"] if c["name"] == "hourly")["cost"]["after"]
    assert (hourly["timeout_seconds"], hourly["runs"], hourly["run_ceiling_micro_usd"]) == (1800, 720, 15_000)
    markdown = run(project, "plan", "--format", "markdown").out
    assert "💰 **Monthly ceiling: $0.00 → $55.80 (+$55.80)** · one-off ceiling of the runs it starts: **$0.20**" \
        in markdown
    assert "| create | `nightly` | a10g-large | $1.50 (1h at $1.50/h) | 30 | $0.00 → $45.00 (+$45.00) |" in markdown
    assert "```mermaid\ngantt" in markdown and "section hourly after (168 runs, a bar per day)" in markdown

    run(project, "plan", "--out", "plan.json")
    assert "Apply complete: 3 succeeded" in run(project, "apply", "plan.json").out
    write(project, "jobs/nightly.yaml", "apiVersion: hfjobs/v1\n" + textwrap.dedent(JOBS["nightly"]).replace(
        '"0 3 * * *"', '"0 * * * *"'))  # the cron typo: nightly became hourly
    typo = run(project, "plan").out
    assert "monthly ceiling: $45.00 → $1,080.00 (+$1,035.00)" in typo
    assert "Monthly ceiling: $55.80 → $1,090.80 (+$1,035.00)" in typo
    assert "next runs before: " in typo and " 03:00, " in typo.split("next runs before: ")[1].split("\n")[0]


def test_cost_and_cost_live_from_runs_the_clock_moved(project: Path, clock: Clock, costed_hub: LocalHub) -> None:
    table = run(project, "cost", "--from", "2027-01-04T09:00Z").out
    rows = {line.split()[0]: re.split(r"\s{2,}", line) for line in table.splitlines()[1:] if line.strip()}
    assert rows["nightly"] == ["nightly", "acme", "a10g-large", "$1.50", "$1.50 (1h)", "30", "$45.00"]
    assert rows["smoke"] == ["smoke", "acme", "t4-small", "$0.40", "$0.20 (10m ×3)", "one-shot", "-"]
    assert "project total  costs" in table and "$55.80" in table and "one-shot: $0.20" in table
    run(project, "apply", "--auto-approve")
    clock.advance(65 * 60)  # smoke ran 90 s; hourly ticked at 10:00 and ran 120 s; nightly did not tick
    write(project, "jobs/smoke.yaml", "apiVersion: hfjobs/v1\n" + textwrap.dedent(JOBS["smoke"]).replace(
        "print('smoke')", "print('smoke 2')"))
    run(project, "apply", "--auto-approve")  # a new revision: the first run is retired, and still counted
    clock.advance(10 * 60)
    live = json.loads(run(project, "cost", "--live", "--format", "json", "--from", "2027-01-04T10:15Z").out)
    jobs = {job["name"]: job["live"] for job in live["jobs"]}
    # t4-small: 6,667 × 90 s / 60 = 10,000.5 → 10,001 a run; cpu-upgrade: 500 × 120 s / 60 = 1,000.
    assert jobs == {"hourly": {"runs": 1, "micro_usd": 1_000, "unpriced_runs": 0},
                    "nightly": {"runs": 0, "micro_usd": 0, "unpriced_runs": 0},
                    "smoke": {"runs": 2, "micro_usd": 20_002, "unpriced_runs": 0}}
    assert live["total"]["live"] == {"runs": 3, "micro_usd": 21_002, "unpriced_runs": 0}
    assert live["by_namespace"]["acme"]["monthly_ceiling_micro_usd"] == 55_800_000
    text = run(project, "cost", "--live", "--from", "2027-01-04T10:15Z").out
    assert "LAST 30 DAYS" in text and "$0.02 (2 runs)" in text
    markdown = run(project, "cost", "--live", "--format", "markdown", "--from", "2027-01-04T10:15Z").out
    assert "| **project total** | costs |" in markdown
    # Thirty days on, those runs are out of the window.
    later = (T0 + timedelta(days=31)).strftime("%Y-%m-%dT%H:%MZ")
    old = json.loads(run(project, "cost", "--live", "--format", "json", "--from", later).out)
    assert old["total"]["live"] == {"runs": 0, "micro_usd": 0, "unpriced_runs": 0}


def test_calendar_lists_runs_marks_gpu_overlaps_and_sums_each_day(project: Path) -> None:
    write(project, "jobs/eval.yaml", "apiVersion: hfjobs/v1\nname: eval\nschedule: '30 3 * * *'\n"
          "image: python:3.12\ncommand: [python, -c, 'print(3)']\nflavor: a10g-large\ntimeout: 1h\n")
    text = run(project, "calendar", "--days", "2", "--tz", "Europe/Paris", "--from", "2027-01-04T09:00Z").out
    days = [line for line in text.splitlines() if not line.startswith(" ")]
    # Jan 4: hourly 10:00..23:00; Jan 5: 24 hourly + nightly + eval; Jan 6 up to 09:00: 10 hourly + both.
    assert days == ["Mon 2027-01-04: 14 runs, ceiling $0.21", "Tue 2027-01-05: 26 runs, ceiling $3.36",
                    "Wed 2027-01-06: 12 runs, ceiling $3.15"]
    assert "  03:00 UTC (Tue 04:00 CET)  nightly (acme, a10g-large)  up to $1.50  ! OVERLAPS on a10g-large: eval" \
        in text
    assert "  14 runs 10:00 UTC (Mon 11:00 CET) .. 23:00 UTC (Tue 00:00 CET)  hourly (acme, cpu-upgrade)" in text
    data = json.loads(run(project, "calendar", "--days", "1", "--format", "json", "--from", "2027-01-04T20:00Z").out)
    nightly = next(r for day in data["days"] for r in day["runs"] if r["job"] == "nightly")
    assert nightly == {"job": "nightly", "namespace": "acme", "flavor": "a10g-large", "start": "2027-01-05T03:00:00Z",
                       "end": "2027-01-05T04:00:00Z", "ceiling_micro_usd": 1_500_000, "overlaps": ["eval"],
                       "may_be_skipped": False}
    assert "not a time zone name" in run(project, "calendar", "--tz", "Mars/Olympus", code=1).err


def test_the_real_cli_shows_the_cost_of_a_plan(tmp_path: Path, costed_hub: LocalHub) -> None:
    cli = Cli(tmp_path / "user-repo", user_env(tmp_path, HF_ENDPOINT=costed_hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: costs\nnamespace: acme\n")
    cli.write("jobs/nightly.yaml", "apiVersion: hfjobs/v1\n" + textwrap.dedent(JOBS["nightly"]))
    markdown = cli.run("plan", "--format", "markdown").stdout
    assert "💰 **Monthly ceiling: $0.00 → $45.00 (+$45.00)**" in markdown and "```mermaid" in markdown
    assert "$45.00" in cli.run("cost").stdout
