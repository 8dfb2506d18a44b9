"""Matrix manifests: GitHub Actions' include/exclude, stable unique names, the 256 limit, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hfjobs_spec.manifest.matrix import MAX_COMBINATIONS, combine, default_name
from hfjobs_spec.manifest.schema import NAME_MAX_LENGTH, NAME_PATTERN
from tests.manifest.helpers import messages, specs, write_project

HEAD = "apiVersion: hfjobs/v1\nimage: python:3.12\ncommand: [python, -c, pass]\n"


def project(tmp_path: Path, body: str) -> Path:
    return write_project(tmp_path, {"sweep": HEAD + body})


def test_the_product_of_the_dimensions_one_job_each(tmp_path: Path) -> None:
    loaded = specs(project(tmp_path, "name: train\nmatrix: {model: [gpt2, llama], seed: [1, 2]}\n"
                                     "env: {MODEL: '{{ matrix.model }}', SEED: '{{ matrix.seed }}'}\n"))
    assert sorted(loaded) == ["train-gpt2-1", "train-gpt2-2", "train-llama-1", "train-llama-2"]
    assert loaded["train-llama-2"].env_dict == {"MODEL": "llama", "SEED": "2"}
    assert loaded["train-llama-2"].source is not None
    assert loaded["train-llama-2"].source.matrix == (("model", "llama"), ("seed", "2"))


def test_github_actions_include_and_exclude() -> None:
    dims = {"fruit": ["apple", "pear"], "animal": ["cat", "dog"]}
    include = [{"color": "green"}, {"color": "pink", "animal": "cat"}, {"fruit": "apple", "shape": "circle"},
               {"fruit": "banana"}, {"fruit": "banana", "animal": "cat"}]
    # The example of GitHub's documentation ("Expanding or adding matrix configurations").
    assert combine(dims, [], include) == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]
    # Exclude removes partial matches, before include, and include can bring one back.
    assert combine(dims, [{"fruit": "pear"}], [{"fruit": "pear", "animal": "dog"}]) == [
        {"fruit": "apple", "animal": "cat"}, {"fruit": "apple", "animal": "dog"}, {"fruit": "pear", "animal": "dog"}]
    assert combine({}, [], [{"a": 1}, {"a": 2}]) == [{"a": 1}, {"a": 2}]


_VALUE = st.one_of(st.text(min_size=1, max_size=30), st.integers(-10**6, 10**6), st.booleans(),
                   st.sampled_from(["1e-4", "3e-4", "gpt2", "Llama-3", "a b", "x" * 70]))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True),
                       st.lists(_VALUE, min_size=1, max_size=4, unique_by=repr), min_size=1, max_size=3),
       _VALUE)
def test_names_are_valid_unique_and_stable_when_a_value_is_added(dims: dict[str, list[Any]], new: Any) -> None:
    import re

    dims = {key: _distinct(values) for key, values in dims.items()}
    keys = tuple(dims)
    before = {repr(c): default_name("train", c, keys) for c in combine(dims, [], [])}
    assert len(set(before.values())) == len(before)
    assert all(re.fullmatch(NAME_PATTERN, name) and len(name) <= NAME_MAX_LENGTH for name in before.values())
    first = keys[0]
    if repr(new) in map(repr, dims[first]) or any(new == v for v in dims[first]):
        return
    grown = {**dims, first: [*dims[first], new]}
    after = {repr(c): default_name("train", c, keys) for c in combine(grown, [], [])}
    assert {key: after[key] for key in before} == before  # nobody is renamed
    assert len(set(after.values())) == len(after)


def _distinct(values: list[Any]) -> list[Any]:
    """Values that stay distinct as JSON (True and 1 are equal in Python)."""
    out: list[Any] = []
    for value in values:
        if not any(value == seen for seen in out):
            out.append(value)
    return out


def test_a_name_template_uses_the_matrix_and_every_template_sees_it(tmp_path: Path) -> None:
    loaded = specs(project(tmp_path, "name: 'eval-{{ matrix.size }}'\nmatrix: {size: [small, large]}\n"
                                     "flavor: \"{{ 'a10g-large' if matrix.size == 'large' else 'cpu-basic' }}\"\n"))
    assert {name: spec.flavor for name, spec in loaded.items()} == {"eval-small": "cpu-basic",
                                                                    "eval-large": "a10g-large"}


def test_long_or_ambiguous_values_get_a_short_hash() -> None:
    assert default_name("train", {"lr": "1e-4"}, ("lr",)).startswith("train-1e-4-")
    long = default_name("t", {"model": "m" * 80}, ("model",))
    assert len(long) == NAME_MAX_LENGTH and long.startswith("t-mmm")
    assert default_name("train", {"m": "gpt2"}, ("m",)) == "train-gpt2"


def test_more_than_256_combinations_is_a_clear_error(tmp_path: Path) -> None:
    root = project(tmp_path, "name: big\nmatrix:\n  a: [" + ", ".join(map(str, range(20))) + "]\n"
                             "  b: [" + ", ".join(map(str, range(13))) + "]\n")
    assert messages(root) == [f"jobs/sweep.yaml:6:3: error: matrix: expands into 260 combinations; at most "
                              f"{MAX_COMBINATIONS} jobs per manifest (split it, or exclude some)"]


def test_bad_matrices_point_at_the_line(tmp_path: Path) -> None:
    assert messages(project(tmp_path, "name: m\nmatrix:\n  a: [x]\n  b: []\n")) == [
        "jobs/sweep.yaml:7:6: error: matrix.b: must not be empty"]
    assert messages(project(tmp_path, "name: m\nmatrix:\n  a: [x, x]\n  exclude: [{c: 1}]\n")) == [
        "jobs/sweep.yaml:6:10: error: matrix.a[1]: 'x' is listed twice",
        "jobs/sweep.yaml:7:14: error: matrix.exclude[0].c: 'c' is not a dimension of the matrix (a); "
        "exclude names dimensions only"]


def test_an_error_in_some_combinations_says_which(tmp_path: Path) -> None:
    root = project(tmp_path, "name: m\nmatrix: {flavor: [cpu-basic, a10g-huge]}\nflavor: '{{ matrix.flavor }}'\n"
                             "timeout: 0\n")
    found = messages(root)
    assert any("timeout" in line and "(matrix:" not in line for line in found)  # every combination: once
    flavor = [line for line in found if "flavor" in line and "a10g-huge" in line]
    assert len(flavor) == 1 and flavor[0].startswith("jobs/sweep.yaml:6:") and flavor[0].endswith(
        "(matrix: flavor=a10g-huge)")


def test_names_that_collide_name_both_combinations(tmp_path: Path) -> None:
    root = project(tmp_path, "name: 'same{{ \"\" if matrix.a else \"\" }}'\nmatrix: {a: [x, y]}\n")
    (line,) = messages(root)
    assert "'same' (matrix: a=y) is already used by jobs/sweep.yaml:1 (matrix: a=x)" in line


def test_import_and_previous_names_do_not_fit_a_matrix(tmp_path: Path) -> None:
    root = project(tmp_path, "name: m\nmatrix: {a: [x, y]}\nimport: {name: old}\n")
    (line,) = messages(root)
    assert line.startswith("jobs/sweep.yaml:6:1: error: import: `import` names one Hub job")
