"""Hypothesis strategies: valid job documents (as plain data) and arbitrary, often broken, ones."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from hfjobs_spec.flavors import FLAVORS

SCRIPTS = {"scripts/a.py": "print('a')\n", "scripts/b.py": "print('b')\n"}

names = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z", fullmatch=True)
env_names = st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,10}\Z", fullmatch=True)
label_keys = st.from_regex(r"\A[a-z][a-z0-9_-]{0,10}\Z", fullmatch=True).filter(
    lambda k: k != "name" and not k.startswith("hfjobs-"))
label_values = st.from_regex(r"\A[A-Za-z0-9_-]{0,12}\Z", fullmatch=True)
# Plain text without template markers (a lone '{' or '%' is fine), never token-like.
plain_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20).filter(
    lambda t: not any(m in t for m in ("{{", "{%", "{#")) and "hf_" not in t)
ports = st.integers(1, 65535)
# Up to the 7-day bound: as seconds, or as a number of each unit.
_UNIT_MAX = {"": 999, "s": 999, "m": 999, "h": 168, "d": 7}
timeouts = st.one_of(st.integers(1, 7 * 86_400), st.sampled_from(sorted(_UNIT_MAX)).flatmap(
    lambda unit: st.integers(1, _UNIT_MAX[unit]).map(lambda n: f"{n}{unit}")))
schedules = st.sampled_from(["@hourly", "@daily", "@weekly", "0 3 * * *", "*/5 * * * *", "15 2 1 * mon"])


@st.composite
def volumes(draw: st.DrawFn) -> list[dict[str, Any]]:
    mounts = draw(st.lists(st.from_regex(r"\A/[a-z]{1,6}\Z", fullmatch=True), max_size=3, unique=True))
    found = []
    for mount in mounts:
        kind = draw(st.sampled_from(["bucket", "model", "dataset", "space"]))
        volume: dict[str, Any] = {"type": kind, "source": f"org/{draw(names)}", "mount_path": mount}
        if kind != "bucket" and draw(st.booleans()):
            volume["revision"] = draw(st.sampled_from(["main", "v1", "abc123"]))
        if kind == "bucket" and draw(st.booleans()):
            volume["read_only"] = draw(st.booleans())
        found.append(volume)
    return found


@st.composite
def secrets(draw: st.DrawFn) -> dict[str, str] | list[str]:
    keys = draw(st.lists(env_names, max_size=3, unique=True))
    if draw(st.booleans()):
        return keys
    return {key: draw(st.sampled_from(["$HF_TOKEN", f"${key}", f"${{{key}}}", "$OTHER"])) for key in keys}


@st.composite
def job_documents(draw: st.DrawFn, name: str | None = None) -> dict[str, Any]:
    """A valid job as a manifest would state it (before defaults), for a project holding SCRIPTS."""
    doc: dict[str, Any] = {"apiVersion": "hfjobs/v1", "name": name or draw(names)}
    shape = draw(st.sampled_from(["image", "local-script", "url-script"]))
    if shape == "image":
        doc["image"] = draw(st.sampled_from(["python:3.12", "ubuntu:24.04", "hf.co/spaces/org/app"]))
        doc["command"] = draw(st.lists(plain_text, min_size=1, max_size=3))
    else:
        doc["script"] = draw(st.sampled_from(sorted(SCRIPTS))) if shape == "local-script" else \
            "https://example.com/" + draw(names) + ".py"
        optional = {
            "script_args": st.lists(plain_text, max_size=3),
            "dependencies": st.lists(names, max_size=3, unique=True),
            "python": st.sampled_from(["3.11", "3.12"]),
            "image": st.sampled_from(["ghcr.io/astral-sh/uv:python3.11-bookworm"]),
        }
        for key, strategy in optional.items():
            if draw(st.booleans()):
                doc[key] = draw(strategy)
    optional_fields: dict[str, st.SearchStrategy[Any]] = {
        "namespace": st.sampled_from(["alice", "acme"]),
        "flavor": st.sampled_from(FLAVORS),
        "timeout": timeouts,
        "attempts": st.integers(1, 5),
        "env": st.dictionaries(env_names, plain_text, max_size=3),
        "secrets": secrets(),
        "labels": st.dictionaries(label_keys, label_values, max_size=3),
        "volumes": volumes(),
        "protect": st.booleans(),
    }
    for key, strategy in optional_fields.items():
        if draw(st.booleans()):
            doc[key] = draw(strategy)
    if isinstance(doc.get("secrets"), list) and "env" in doc:
        doc["env"] = {k: v for k, v in doc["env"].items() if k not in doc["secrets"]}
    if isinstance(doc.get("secrets"), dict) and "env" in doc:
        doc["env"] = {k: v for k, v in doc["env"].items() if k not in doc["secrets"]}
    if draw(st.booleans()):
        exposed = draw(st.lists(ports, max_size=3, unique=True))
        split = draw(st.integers(0, len(exposed)))
        doc["expose"], doc["expose_public"] = exposed[:split], exposed[split:]
    if draw(st.booleans()):
        doc["schedule"] = draw(schedules)
        for key in ("suspend", "concurrency"):
            if draw(st.booleans()):
                doc[key] = draw(st.booleans())
    return doc


# Anything YAML can say: used to check that validation reports errors and never raises.
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)
FIELD_NAMES = ["apiVersion", "name", "image", "command", "script", "script_args", "dependencies", "python", "flavor",
               "timeout", "attempts", "env", "secrets", "labels", "volumes", "schedule", "suspend", "concurrency",
               "protect", "expose", "expose_public", "namespace", "flavour", "unknown"]
templates = st.one_of(
    st.sampled_from([
        "{{ vars.x }}", "{{ vars.missing }}", "{{ name }}", "{{ env('HOME', 'h') }}", "{{ env('NOPE') }}",
        "{{ ''.__class__ }}", "{{ cycler.__init__.__globals__ }}", "{{ lipsum.__globals__ }}", "{% if %}",
        "{{ 1/0 }}", "{{ range(10) | list }}", "{{ vars }}", "{{ 'x' * 10**7 }}", "{% for i in range(3) %}{{ i }}",
        "{{ [1, 2] }}", "{{ {'a': 1} }}", "{{ none }}", "{{ 3 }}", "{% include 'x' %}", "{{ x | nofilter }}",
        "}}{{", "{#", "{% raw %}", "$HF_TOKEN", "${X}",
    ]),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=5), st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}"]),
              st.text(max_size=8)),
)


@st.composite
def messy_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A mapping of mostly real field names to arbitrary values, templates included."""
    keys = draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=8, unique=True))
    return {key: draw(st.one_of(values, templates, st.lists(templates, max_size=3))) for key in keys}
