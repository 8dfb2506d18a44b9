"""`network` and `on: hub:` in manifests: the Hub's rules at file:line, canonical form, and the spec hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hfjobs_spec.reconcile.webhook_marker import WebhookMarker, parse_marker
from tests.manifest.helpers import PROJECT_HEADER, messages, specs, write_project

JOB = "apiVersion: hfjobs/v1\nname: j\nimage: python:3.12\ncommand: [python, -V]\n"


@pytest.mark.parametrize(("extra", "expected"), [
    ("network: {group: Train}\n", "jobs/j.yaml:5:18: error: network.group: 'Train' must match ^[a-z0-9-]+$"),
    ("network: {group: " + "a" * 47 + "}\n", "jobs/j.yaml:5:18: error: network.group: must be at most 46 characters"),
    ("network: {group: g, aliases: [" + "b" * 35 + "]}\n",
     "jobs/j.yaml:5:31: error: network.aliases[0]: must be at most 34 characters"),
    ("network: {group: g, aliases: [a, a]}\n", "jobs/j.yaml:5:30: error: network.aliases: "),
    ("network: {aliases: [a]}\n", "jobs/j.yaml:5:10: error: network: missing required field 'group'"),
    ("schedule: '@daily'\nnetwork: {group: g}\n", "jobs/j.yaml:6:1: error: network: network groups are for one-shot"),
    ("on: {hub: {watched: []}}\n", "jobs/j.yaml:5:21: error: on.hub.watched: must not be empty"),
    ("on: {hub: {watched: [{type: repo, name: x}]}}\n", "jobs/j.yaml:5:29: error: on.hub.watched[0].type:"),
    ("on: {hub: {watched: [{type: org, name: a}, {type: org, name: a}]}}\n",
     "jobs/j.yaml:5:44: error: on.hub.watched[1]: org 'a' is listed twice"),
    ("on: {hub: {watched: [{type: org, name: a}], domains: [commits]}}\n",
     "jobs/j.yaml:5:55: error: on.hub.domains[0]: 'commits' is not one of repo, discussion"),
    ("schedule: '@daily'\non: {hub: {watched: [{type: org, name: a}]}}\n",
     "jobs/j.yaml:6:1: error: on: `on: hub:` is for one-shot jobs only"),
])
def test_bad_network_and_triggers_are_located_errors(tmp_path: Path, extra: str, expected: str) -> None:
    write_project(tmp_path, {"j": JOB + extra})
    found = messages(tmp_path)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_project_default_network_is_not_forced_onto_scheduled_jobs(tmp_path: Path) -> None:
    write_project(tmp_path, {"j": JOB, "s": JOB.replace("name: j", "name: s") + "schedule: '@daily'\n"},
                  project=PROJECT_HEADER + "defaults:\n  network: {group: ring}\n")
    loaded = specs(tmp_path)
    assert loaded["j"].network is not None and loaded["s"].network is None


def test_aliases_and_watched_are_sets_and_on_is_not_in_the_hash(tmp_path: Path) -> None:
    write_project(tmp_path, {"j": JOB + "network: {group: g, aliases: [b, a]}\n"
                                        "on: {hub: {watched: [{type: org, name: b}, {type: org, name: a}]}}\n"})
    first = specs(tmp_path)["j"]
    write_project(tmp_path, {"j": JOB + "network: {group: g, aliases: [a, b]}\n"
                                        "on: {hub: {watched: [{type: org, name: a}], domains: [repo]}}\n"})
    second = specs(tmp_path)["j"]
    assert first.network == second.network and first.network is not None and first.network.aliases == ("a", "b")
    assert first.on_hub != second.on_hub and first.spec_hash == second.spec_hash  # the webhook changes in place
    write_project(tmp_path, {"j": JOB})
    assert specs(tmp_path)["j"].spec_hash != first.spec_hash  # the network is part of the revision


def test_the_marker_round_trips() -> None:
    marker = WebhookMarker("p", "default", "acme", "train", "68a1c0ffee", ("A", "HF_TOKEN"))
    assert parse_marker(marker.text()) == marker
    assert parse_marker(WebhookMarker("p", "e", "n", "x", "1").text()) == WebhookMarker("p", "e", "n", "x", "1")


@pytest.mark.parametrize("secret", [
    None, "", "my-signing-secret", "hfjobs-spec-webhook;", "hfjobs-spec-webhook;v=1;project=p",
    "hfjobs-spec-webhook;v=2;project=p;env=e;ns=n;name=x;job=1;secrets=",
    "hfjobs-spec-webhook;v=1;project=p;env=e;ns=n;name=x;job=1;secrets=;extra=1",
    "hfjobs-spec-webhook;v=1;project=p;project=q;env=e;ns=n;name=x;job=1",
    "hfjobs-spec-webhook;v=1;project=p;env=e;ns=n;name=X;job=1;secrets=",
    "hfjobs-spec-webhook;v=1;project=p;env=e;ns=n;name=x;job=1;secrets=A,,B",
])
def test_anything_else_is_not_a_marker(secret: str | None) -> None:
    assert parse_marker(secret) is None


@given(st.text(max_size=300))
def test_parsing_hostile_secrets_never_raises(text: str) -> None:
    parse_marker("hfjobs-spec-webhook;" + text)
    parse_marker(text)
