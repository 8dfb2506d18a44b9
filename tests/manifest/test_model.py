"""The canonical JobSpec and its spec hash: same meaning, same hash; different meaning, different hash."""

from __future__ import annotations

import copy
import dataclasses
import random
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfjobs_spec.manifest.model import JobSpec, canonical_json
from hfjobs_spec.manifest.normalize import to_job_spec
from hfjobs_spec.manifest.semantics import ScriptReader
from tests.manifest.helpers import PROJECT_HEADER, check, specs, write_files
from tests.manifest.strategies import SCRIPTS, job_documents, names

# The random documents use public ports, which the project must allow.
PUBLIC_PORTS = "policy: {allow_public_ports: true}\n"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> ScriptReader:
    root = tmp_path_factory.mktemp("repo")
    write_files(root, SCRIPTS)
    return ScriptReader(root)


def spec_of(doc: dict[str, Any], reader: ScriptReader) -> JobSpec:
    return to_job_spec(copy.deepcopy(doc), namespace="project-ns", scripts=reader)


def shuffled(value: Any, rnd: random.Random) -> Any:
    """The same data with every mapping's keys in another order (lists keep theirs: order means something)."""
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {key: shuffled(item, rnd) for key, item in items}
    if isinstance(value, list):
        return [shuffled(item, rnd) for item in value]
    return value


@SETTINGS
@given(doc=job_documents(), rnd=st.randoms(use_true_random=False))
def test_key_order_does_not_change_the_spec(scripts: ScriptReader, doc: dict[str, Any], rnd: random.Random) -> None:
    first, second = spec_of(doc, scripts), spec_of(shuffled(doc, rnd), scripts)
    assert first == second
    assert first.spec_hash == second.spec_hash
    assert canonical_json(first.canonical()) == canonical_json(second.canonical())


def _equivalent_spellings(doc: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """`doc` written differently, meaning the same."""
    other = copy.deepcopy(doc)
    if isinstance(other.get("timeout"), int) and other["timeout"] % 60 == 0:
        other["timeout"] = f"{other['timeout'] // 60}m"
    other.setdefault("flavor", "cpu-basic")
    other.setdefault("attempts", 1)
    other.setdefault("protect", False)
    if "timeout" not in doc:
        other["timeout"] = "30m"
    secrets = other.get("secrets")
    if isinstance(secrets, list):
        other["secrets"] = {name: rnd.choice([f"${name}", f"${{{name}}}"]) for name in secrets}
    for volume in other.get("volumes", []):
        volume["mount_path"] = volume["mount_path"] + rnd.choice(["/", "/.", ""])
        if volume["type"] == "bucket":
            volume.setdefault("read_only", False)
        else:
            volume.setdefault("revision", "main")
            volume.setdefault("read_only", True)
    for key in ("volumes", "expose", "expose_public"):
        if key in other:
            rnd.shuffle(other[key])
    if "schedule" in other:
        other.setdefault("suspend", False)
        other.setdefault("concurrency", False)
    return other


@SETTINGS
@given(doc=job_documents(), rnd=st.randoms(use_true_random=False))
def test_equivalent_spellings_give_the_same_spec(scripts: ScriptReader, doc: dict[str, Any],
                                                  rnd: random.Random) -> None:
    first, second = spec_of(doc, scripts), spec_of(_equivalent_spellings(doc, rnd), scripts)
    assert first == second
    assert first.spec_hash == second.spec_hash


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        doc[key] = value
    return mutate


def _script_only(mutate: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        if "script" not in doc:
            doc.pop("image", None)
            doc.pop("command", None)
            doc["script"] = "scripts/a.py"
        mutate(doc)
    return apply


def _other(doc: dict[str, Any], key: str, choices: list[Any]) -> Any:
    return next(choice for choice in choices if choice != doc.get(key))


HASHED_CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "image": lambda d: d.__setitem__("image", _other(d, "image", ["other:1", "other:2"])),
    "command": lambda d: d.__setitem__("command", [*d.get("command", []), "--more"]) if "command" in d
    else _script_only(_set("script", "scripts/b.py" if d["script"] != "scripts/b.py" else "scripts/a.py"))(d),
    "script": _script_only(lambda d: d.__setitem__("script", "scripts/b.py" if d["script"] == "scripts/a.py"
                                                   else "scripts/a.py")),
    "script_args": _script_only(lambda d: d.__setitem__("script_args", [*d.get("script_args", []), "--x"])),
    "dependencies": _script_only(lambda d: d.__setitem__("dependencies", [*d.get("dependencies", []), "zz-new"])),
    "python": _script_only(lambda d: d.__setitem__("python", _other(d, "python", ["3.10", "3.13"]))),
    "flavor": lambda d: d.__setitem__("flavor", _other(d, "flavor", ["a100-large", "h200"])),
    "timeout": lambda d: d.__setitem__("timeout", _other(d, "timeout", [12345, 54321])),
    "attempts": lambda d: d.__setitem__("attempts", _other(d, "attempts", [7, 8])),
    "env": lambda d: d.__setitem__("env", {**d.get("env", {}), "NEW_ENV_VAR": "x"}),
    "env value": lambda d: d.__setitem__("env", {**d.get("env", {}), "CHANGED": "a"}) if "CHANGED" not in
    d.get("env", {}) else None,
    "secret added": lambda d: d.__setitem__("secrets", {"NEW_SECRET": "$NEW_SECRET"}
                                            if not d.get("secrets") else {**_as_map(d["secrets"]), "ZZ_NEW": "$ZZ"}),
    "secret source": lambda d: d.__setitem__("secrets", {**_as_map(d.get("secrets", {})), "S": "$SRC_A"})
    if _as_map(d.get("secrets", {})).get("S") != "$SRC_A" else d.__setitem__("secrets", {"S": "$SRC_B"}),
    "volume": lambda d: d.__setitem__("volumes", [*d.get("volumes", []),
                                                  {"type": "bucket", "source": "o/b", "mount_path": "/zz-new"}]),
    "expose": lambda d: d.__setitem__("expose", [*d.get("expose", []), 1]) if 1 not in d.get("expose", [])
    + d.get("expose_public", []) else d.__setitem__("expose", [p for p in d["expose"] if p != 1]),
    "kind": lambda d: _toggle_schedule(d),
}


def _toggle_schedule(doc: dict[str, Any]) -> None:
    """A one-shot job becomes scheduled, or the other way round."""
    if "schedule" in doc:
        for key in ("schedule", "suspend", "concurrency"):
            doc.pop(key, None)
    else:
        doc["schedule"] = "@daily"


def _as_map(secrets: Any) -> dict[str, str]:
    return dict(secrets) if isinstance(secrets, dict) else {name: f"${name}" for name in secrets}


@SETTINGS
@given(doc=job_documents(), change=st.sampled_from(sorted(HASHED_CHANGES)))
def test_changing_any_hashed_field_changes_the_hash(scripts: ScriptReader, doc: dict[str, Any], change: str) -> None:
    before = spec_of(doc, scripts)
    changed = copy.deepcopy(doc)
    HASHED_CHANGES[change](changed)
    after = spec_of(changed, scripts)
    # A no-op for this document (e.g. a key already absent) leaves the whole spec equal. Compared on
    # the spec itself, not on canonical(): a field dropped from canonical() must fail here, not pass.
    if after == before:
        return
    assert after.spec_hash != before.spec_hash, change


def test_concurrency_of_a_scheduled_job_is_hashed(scripts: ScriptReader) -> None:
    doc = {"apiVersion": "hfjobs/v1", "name": "a", "image": "x", "command": ["x"], "schedule": "@daily"}
    assert spec_of(doc, scripts).spec_hash != spec_of({**doc, "concurrency": True}, scripts).spec_hash


IN_PLACE_CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "schedule": lambda d: d.__setitem__("schedule", "1 2 3 4 5" if d.get("schedule") != "1 2 3 4 5" else "@daily"),
    "suspend": lambda d: d.__setitem__("suspend", not d.get("suspend", False)),
    "labels": lambda d: d.__setitem__("labels", {**d.get("labels", {}), "changed": "yes"}),
    "labels removed": lambda d: d.pop("labels", None),
    "protect": lambda d: d.__setitem__("protect", not d.get("protect", False)),
    "name": lambda d: d.__setitem__("name", d["name"] + "-renamed"),
    "namespace": lambda d: d.__setitem__("namespace", d.get("namespace", "x") + "-other"),
}


@SETTINGS
@given(doc=job_documents(), change=st.sampled_from(sorted(IN_PLACE_CHANGES)))
def test_schedule_suspend_labels_protect_and_identity_do_not_change_the_hash(
        scripts: ScriptReader, doc: dict[str, Any], change: str) -> None:
    if change in ("schedule", "suspend"):
        doc.setdefault("schedule", "@hourly")  # these only exist on scheduled jobs
    changed = copy.deepcopy(doc)
    IN_PLACE_CHANGES[change](changed)
    before, after = spec_of(doc, scripts), spec_of(changed, scripts)
    assert before.spec_hash == after.spec_hash


def test_spec_is_immutable(scripts: ScriptReader) -> None:
    spec = spec_of({"apiVersion": "hfjobs/v1", "name": "a", "image": "x", "command": ["x"]}, scripts)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "b"  # type: ignore[misc]
    assert isinstance(spec.command, tuple) and isinstance(spec.env, tuple)
    hash(spec)  # usable as a dict key or in a set


def test_spec_hash_is_pinned() -> None:
    """The hash is stamped on live jobs: changing the canonical form replaces every job on the next apply.

    If this fails because the canonical form changed on purpose, update the value and say so in the changelog.
    """
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), SCRIPTS)
        doc = {"apiVersion": "hfjobs/v1", "name": "pinned", "script": "scripts/a.py", "script_args": ["--x"],
               "dependencies": ["numpy"], "python": "3.12", "flavor": "t4-small", "timeout": "2h", "attempts": 2,
               "env": {"A": "1"}, "secrets": ["HF_TOKEN"], "labels": {"team": "x"}, "schedule": "@daily",
               "volumes": [{"type": "dataset", "source": "org/data", "mount_path": "/data"}], "expose": [8080]}
        spec = spec_of(doc, ScriptReader(Path(folder)))
    assert spec.hash_label == "338eccfdafd19a3c"


# -- the same through files: layout and key order -------------------------------------------------------

@st.composite
def projects(draw: st.DrawFn) -> list[dict[str, Any]]:
    job_names = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    return [draw(job_documents(name=name)) for name in job_names]


def _layouts(docs: list[dict[str, Any]], rnd: random.Random) -> Iterator[dict[str, str]]:
    yield {"jobs/all.yaml": yaml.safe_dump_all(docs, sort_keys=False)}
    yield {f"jobs/{'nested/' * (i % 2)}{doc['name']}.yml": yaml.safe_dump(shuffled(doc, rnd), sort_keys=True)
           for i, doc in enumerate(docs)}
    reordered = list(docs)
    rnd.shuffle(reordered)
    yield {"jobs/a.yaml": yaml.safe_dump_all([shuffled(d, rnd) for d in reordered[:1]]),
           "jobs/z/b.yaml": "---\n" + yaml.safe_dump_all([shuffled(d, rnd) for d in reordered[1:]]) + "---\n"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=projects(), rnd=st.randoms(use_true_random=False))
def test_file_layout_and_key_order_do_not_change_specs(docs: list[dict[str, Any]], rnd: random.Random) -> None:
    results = []
    for layout in _layouts(docs, rnd):
        with tempfile.TemporaryDirectory() as folder:
            root = write_files(Path(folder), {"hfjobs.yaml": PROJECT_HEADER + PUBLIC_PORTS, **SCRIPTS, **layout})
            result = check(root)
            assert result.ok, [str(issue) for issue in result.issues]
            loaded = specs(root)
        results.append({name: (spec, spec.spec_hash) for name, spec in loaded.items()})
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == len(docs)
