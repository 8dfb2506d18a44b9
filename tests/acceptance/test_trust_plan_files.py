"""A saved plan is evidence, never instructions: tampered and malformed plan files change nothing.

Each test drives the real CLI against localhub and then looks at what is on the Hub.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import HfApi

from hfjobs_spec.localhub import LocalHub
from tests.acceptance.support import TOKEN, Cli, scheduled_by_name, user_env


@pytest.fixture
def cli(tmp_path: Path, hub: LocalHub) -> Cli:
    cli = Cli(tmp_path / "repo", user_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN))
    cli.write("hfjobs.yaml", "apiVersion: hfjobs/v1\nproject: trust\nnamespace: acme\n")
    for name, protect in (("guarded", "true"), ("plain", "false")):
        cli.write(f"jobs/{name}.yaml", f"""\
            apiVersion: hfjobs/v1
            name: {name}
            schedule: "@daily"
            image: python:3.12
            command: [python, -c, "print('{name}')"]
            protect: {protect}
            """)
    return cli


def foreign_job(api: HfApi) -> str:
    """A scheduled job someone else made by hand: no ownership labels."""
    return api.create_scheduled_job(image="busybox", command=["true"], schedule="@weekly", namespace="acme",
                                    labels={"team": "other"}).id


def saved(cli: Cli) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((cli.root / "plan.json").read_text())
    return data


def save(cli: Cli, data: Any) -> None:
    (cli.root / "plan.json").write_text(json.dumps(data))


def hub_state(api: HfApi) -> list[tuple[str, str, bool]]:
    return sorted((job.id, job.schedule or "", bool(job.suspend)) for job in api.list_scheduled_jobs(namespace="acme"))


def test_an_added_operation_against_a_foreign_job_is_refused(cli: Cli, api: HfApi) -> None:
    victim = foreign_job(api)
    cli.run("plan", "--out", "plan.json")
    data = saved(cli)
    data["changes"][0]["operations"].append({"kind": "delete_scheduled", "namespace": "acme", "target": victim})
    save(cli, data)
    before = hub_state(api)
    refused = cli.run("apply", "plan.json", code=1)
    assert "does not match the plan computed now" in refused.stderr and "operations" in refused.stderr
    assert hub_state(api) == before  # nothing created, the foreign job still there
    assert victim in {job.id for job in api.list_scheduled_jobs(namespace="acme")}


def test_dropping_blocked_does_not_delete_a_protected_job(cli: Cli, api: HfApi) -> None:
    cli.run("apply", "--auto-approve")
    (guarded,) = scheduled_by_name(api)["guarded"]
    (cli.root / "jobs/guarded.yaml").unlink()
    blocked = cli.run("plan", "--out", "plan.json", code=1)
    assert "protected" in blocked.stderr
    data = saved(cli)
    for change in data["changes"]:
        change.pop("blocked", None)
    save(cli, data)
    refused = cli.run("apply", "plan.json", code=1)
    assert "does not match the plan computed now" in refused.stderr and "blocked" in refused.stderr
    assert scheduled_by_name(api)["guarded"] == [guarded]


def test_an_edited_reason_or_schedule_is_refused(cli: Cli, api: HfApi) -> None:
    cli.run("plan", "--out", "plan.json")
    data = saved(cli)
    data["changes"][1]["reason"] = "nothing to see"
    save(cli, data)
    assert "differs in reason" in cli.run("apply", "plan.json", code=1).stderr
    assert not scheduled_by_name(api)


def test_an_unchanged_saved_plan_applies_the_fresh_operations(cli: Cli, api: HfApi) -> None:
    cli.run("plan", "--out", "plan.json")
    assert "Apply complete: 2 succeeded" in cli.run("apply", "plan.json").stdout
    assert sorted(scheduled_by_name(api)) == ["guarded", "plain"]
    assert "No changes." in cli.run("plan").stdout


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["changes"][0]["operations"][0].update(kind="format_disk"), "changes[0].operations[0].kind"),
    (lambda d: d["changes"][0].update(live_ids="not-a-list"), "changes[0].live_ids: 'not-a-list' is not of type"),
    (lambda d: d.update(changes={"a": 1}), "changes: {'a': 1} is not of type 'array'"),
    (lambda d: d.update(surprise=True), "Additional properties are not allowed ('surprise'"),
    (lambda d: d["changes"][0]["operations"][0].update(run_as="root"), "changes[0].operations[0]"),
    (lambda d: d["options"].update(prune="yes"), "options.prune: 'yes' is not of type 'boolean'"),
    (lambda d: d["changes"][0].pop("operations"), "'operations' is a required property"),
    (lambda d: d["changes"][0].update(action="obliterate"), "changes[0].action"),
])
def test_malformed_plan_files_get_a_clear_error(cli: Cli, api: HfApi, mutate: Any, message: str) -> None:
    cli.run("plan", "--out", "plan.json")
    data = saved(cli)
    mutate(data)
    save(cli, data)
    refused = cli.run("apply", "plan.json", code=1)
    assert "is not a valid plan file" in refused.stderr and message in refused.stderr, refused.stderr
    assert "bug" not in refused.stderr
    assert not scheduled_by_name(api)


@pytest.mark.parametrize(("text", "message"), [
    ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ("{\"format_version\": 1, ", "invalid JSON"),
    ("[]", "is not a plan file of format version 2"),
    ("\"just a string\"", "is not a plan file of format version 2"),
    ("{\"format_version\": 1}", "is not a plan file of format version 2"),
])
def test_garbage_plan_files_get_a_clear_error(cli: Cli, api: HfApi, text: str, message: str) -> None:
    (cli.root / "plan.json").write_text(text)
    refused = cli.run("apply", "plan.json", code=1)
    assert message in refused.stderr and "bug" not in refused.stderr
    assert not scheduled_by_name(api)


def test_deep_nesting_inside_a_valid_plan_gets_a_clear_error(cli: Cli, api: HfApi) -> None:
    cli.run("plan", "--out", "plan.json")
    data = saved(cli)
    data["changes"][0]["fields"][0]["old"] = "__deep__"
    nested = "[" * 900 + "]" * 900  # parses, but validation, comparison and rendering would recurse
    (cli.root / "plan.json").write_text(json.dumps(data).replace('"__deep__"', nested))
    for command in (("apply", "plan.json"), ("show", "plan.json")):
        refused = cli.run(*command, code=1)
        assert "nested more than 32 levels deep" in refused.stderr and "bug" not in refused.stderr
    assert not scheduled_by_name(api)


def test_a_binary_plan_file_gets_a_clear_error(cli: Cli) -> None:
    (cli.root / "plan.json").write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in cli.run("apply", "plan.json", code=1).stderr
