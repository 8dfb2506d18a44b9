"""One rule per Hub constraint: whatever `validate` accepts in labels and volumes, localhub (standing
in for the Hub) accepts when apply sends it through the real client."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hfjobs_spec import labels, stages, volumes
from hfjobs_spec.errors import HubError, ManifestErrors
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.port import HubBackend
from hfjobs_spec.localhub import Clock, LocalHub
from hfjobs_spec.reconcile.translate import to_request
from tests.manifest.helpers import PROJECT_HEADER, specs, write_project

TOKEN = "hf_rules_test_token_0123456789"
TEXT = st.text(alphabet="ab_-./ Z9é", min_size=0, max_size=6)
GOOD = st.text(alphabet="ab_-Z9", min_size=1, max_size=6)
# Mostly plausible values, so that most examples validate and reach localhub; some hostile ones.
LABEL_KEYS = st.one_of(GOOD, GOOD, TEXT, st.sampled_from(["k" * 100, "k" * 101, "a.b"]))
LABEL_VALUES = st.one_of(GOOD, GOOD, TEXT, st.sampled_from(["v" * 100, "v" * 101, ""]))
SEGMENTS = st.sampled_from(["data", "out", "a-b", "x y", "é", ".", "", ".."])
MOUNTS = st.one_of(
    st.lists(SEGMENTS, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
    st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join),
    st.sampled_from(["/", "//", "/./", "/data/", "/data/../x", "/a//b"]),
)
SUB_PATHS = st.one_of(st.none(), st.sampled_from(["sub", "a/b", "x y", "./a", "a/", "", "/abs", "a/../b", ".."]))
VOLUMES = st.fixed_dictionaries(
    {"type": st.sampled_from(volumes.VOLUME_TYPES), "source": st.sampled_from(["org/repo", "org/r.v-2"]),
     "mount_path": MOUNTS},
    optional={"revision": st.sampled_from(["main", "v1"]), "read_only": st.sampled_from([True, True, False]),
              "path": SUB_PATHS},
)


@pytest.fixture(scope="module")
def localhub() -> Iterator[HubBackend]:
    install_http_client()
    with LocalHub(user="alice", clock=Clock.frozen_at(datetime(2026, 1, 5, tzinfo=UTC))) as hub:
        yield HfApiBackend(endpoint=hub.url, token=TOKEN)


def manifest(job_labels: dict[str, str], job_volumes: list[dict[str, Any]]) -> str:
    body: dict[str, Any] = {"apiVersion": "hfjobs/v1", "name": "job", "namespace": "alice",
                            "image": "python:3.12", "command": ["true"],
                            "labels": job_labels,
                            "volumes": [{k: v for k, v in vol.items() if v is not None} for vol in job_volumes]}
    return json.dumps(body)  # JSON is YAML: the values arrive exactly as generated


def sent(localhub: HubBackend, job_labels: dict[str, str], job_volumes: list[dict[str, Any]]) -> bool:
    """Validate the job in-process; if it is valid, run it on localhub through the real client."""
    with tempfile.TemporaryDirectory() as folder:
        root = write_project(Path(folder), {"job": manifest(job_labels, job_volumes)}, project=PROJECT_HEADER)
        try:
            spec = specs(root)["job"]
        except ManifestErrors:
            return False  # refused before anything is sent
    try:
        run = localhub.run_job("alice", to_request(spec, dict(spec.labels), {}))
    except HubError as exc:
        pytest.fail(f"validate accepted labels {job_labels!r} and volumes {job_volumes!r}, localhub refused: {exc}")
    assert run.spec.volumes == spec.volumes
    return True


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(st.dictionaries(LABEL_KEYS, LABEL_VALUES, max_size=2))
@example({"team": "ml", "k" * 100: "v" * 100})
def test_labels_validate_accepts_localhub_accepts(localhub: HubBackend, job_labels: dict[str, str]) -> None:
    sent(localhub, job_labels, [])


@PROPERTY
@given(st.lists(VOLUMES, min_size=1, max_size=2))
@example([{"type": "bucket", "source": "org/b", "mount_path": "/data/./out/", "path": "sub"}])
def test_volumes_validate_accepts_localhub_accepts(localhub: HubBackend, job_volumes: list[dict[str, Any]]) -> None:
    sent(localhub, {}, job_volumes)


@given(TEXT)
def test_label_rules_are_the_schema_patterns(text: str) -> None:
    assert labels.is_valid_key(text) == (labels.LABEL_RE.fullmatch(text) is not None and len(text) <= 100)
    assert labels.is_valid_value(text) == (labels.LABEL_VALUE_RE.fullmatch(text) is not None and len(text) <= 100)


@pytest.mark.parametrize(("stage", "active"), [
    ("SCHEDULING", True), ("RUNNING", True), ("UPDATING", True), ("SOMETHING_NEW", True),
    ("COMPLETED", False), ("CANCELED", False), ("ERROR", False), ("DELETED", False),
])
def test_a_run_is_active_until_a_terminal_stage(stage: str, active: bool) -> None:
    assert stages.is_active(stage) is active
