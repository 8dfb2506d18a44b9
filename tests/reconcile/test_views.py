"""The comparison views: a spec and the job it makes read back the same, by construction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hfjobs_spec.hub.model import LiveSpec, SecretValue
from hfjobs_spec.manifest.normalize import to_job_spec
from hfjobs_spec.manifest.semantics import ScriptReader
from hfjobs_spec.reconcile.fields import replacement_fields
from hfjobs_spec.reconcile.translate import desired_view, live_view, to_request

SCRIPTS = ScriptReader(Path("/nonexistent"))

commands = st.sampled_from([
    ["echo", "hi"],
    ["uv", "run", "job.py"],  # looks like a uv script line, but it is a plain image command
    ["uv", "run", "--with", "numpy", "https://example.org/a.py", "--x"],
    ["sh", "-c", "true", "uv"],
])
volumes = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["dataset", "model", "bucket"]),
    "source": st.sampled_from(["org/a", "org/b"]),
    "mount_path": st.sampled_from(["/data", "/out", "/m"]),
}), max_size=3, unique_by=lambda v: v["mount_path"])


@st.composite
def job_data(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "job", "flavor": draw(st.sampled_from(["cpu-basic", "a10g-small"]))}
    if draw(st.booleans()):
        data["script"] = draw(st.sampled_from(["https://example.org/train.py", "https://example.org/x.py?v=2"]))
        data["script_args"] = draw(st.lists(st.sampled_from(["--a", "1", "--with"]), max_size=3))
        data["dependencies"] = draw(st.lists(st.sampled_from(["numpy", "torch"]), max_size=2, unique=True))
        if draw(st.booleans()):
            data["python"] = "3.12"
    else:
        data["image"] = draw(st.sampled_from(["python:3.12", "docker.io/library/ubuntu:latest", "ubuntu"]))
        data["command"] = draw(commands)
    if draw(st.booleans()):
        data["schedule"] = "@daily"
        data["concurrency"] = draw(st.booleans())
    data["volumes"] = draw(volumes)
    data["env"] = draw(st.dictionaries(st.sampled_from(["A", "B"]), st.sampled_from(["1", "2"])))
    data["expose"] = draw(st.lists(st.sampled_from([8000, 9000, 7000]), max_size=2, unique=True))
    data["secrets"] = draw(st.lists(st.sampled_from(["HF_TOKEN", "WANDB_API_KEY"]), max_size=2, unique=True))
    return data


@given(job_data())
def test_a_spec_and_the_job_it_makes_show_no_field_difference(data: dict[str, Any]) -> None:
    spec = to_job_spec(data, namespace="alice", scripts=SCRIPTS)
    secrets = {ref.name: SecretValue("value") for ref in spec.secrets}
    live = LiveSpec.from_request(to_request(spec, {"name": "job"}, secrets))
    concurrency = spec.concurrency if spec.schedule is not None else None
    assert replacement_fields(spec, live_view(live, concurrency)) == ()
    assert desired_view(spec) == live_view(live, concurrency)
