"""Flavor suggestions from what people type: GPU names, any case, GPUs the Hub does not offer."""

from __future__ import annotations

import pytest

from hfjobs_spec.flavors import FLAVORS, GPU_FAMILIES, flavor_hint


@pytest.mark.parametrize(("typed", "meant"), [
    ("A100", "a100-large"), ("a100", "a100-large"), ("nvidia A100", "a100-large"), ("t4", "t4-small"),
    ("T4", "t4-small"), ("L40S", "l40sx1"), ("l40", "l40sx1"), ("a10g", "a10g-small"), ("rtx", "rtx-pro-6000"),
    ("A10G-Small", "a10g-small"), ("cpu_basic", "cpu-basic"), ("cpu", "cpu-basic"), ("a10g-huge", "a10g-large"),
    ("a100-small", "a100-large"),
])
def test_what_people_type_means_a_flavor(typed: str, meant: str) -> None:
    assert f"did you mean {meant!r}" in flavor_hint(typed)


def test_every_flavor_in_any_case_and_every_gpu_name() -> None:
    for flavor in FLAVORS:
        assert flavor_hint(flavor.upper()) == f"; did you mean {flavor!r}?"
    for family, flavors in GPU_FAMILIES.items():
        assert flavors[0] in FLAVORS and f"did you mean {flavors[0]!r}" in flavor_hint(family.upper())


@pytest.mark.parametrize("typed", ["h100", "H100", "h100x8", "v100", "mi300x", "b200"])
def test_a_gpu_not_offered_says_so_and_lists_the_gpus(typed: str) -> None:
    hint = flavor_hint(typed)
    assert "GPUs are not offered for Jobs" in hint and "did you mean" not in hint
    for family, flavors in GPU_FAMILIES.items():
        assert f"{family} ({flavors[0]} and up)" in hint


def test_ambiguous_and_hopeless_words() -> None:
    assert flavor_hint("a10") == "; did you mean 'a10g-small' or 'a100-large'?"
    assert flavor_hint("gpu").startswith("; say which GPU: t4 (t4-small and up)")
    assert flavor_hint("t4-xxl") == "; the t4 flavors are t4-small, t4-medium"
    assert flavor_hint("zzzz") == ""
