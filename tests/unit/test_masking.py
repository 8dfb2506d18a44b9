"""The secret mask hides every value it was told, in anything written through its streams."""

from __future__ import annotations

import io
import sys

import click

from hfjobs_spec.masking import MASK, MaskedStream, SecretMask, masked_output

SECRET = "wandb-0123456789abcdef"


def test_every_occurrence_is_masked_and_the_longest_value_whole() -> None:
    mask = SecretMask([SECRET, SECRET[:10]])
    assert mask.mask(f"a {SECRET} b {SECRET[:10]} c {SECRET}") == f"a {MASK} b {MASK} c {MASK}"


def test_short_and_empty_values_are_not_masks() -> None:
    mask = SecretMask(["", "abc"])
    mask.add(None)
    assert mask.mask("abc def") == "abc def"


def test_tokens_in_the_environment_are_always_masked() -> None:
    mask = SecretMask.from_environ({"HF_TOKEN": "hf_abcdefghijklmnopqrstuvwxyz0123", "OTHER": "not-a-secret-x"})
    assert mask.mask("hf_abcdefghijklmnopqrstuvwxyz0123 not-a-secret-x") == f"{MASK} not-a-secret-x"


def test_values_added_later_are_masked_from_then_on() -> None:
    inner = io.StringIO()
    mask = SecretMask()
    stream = MaskedStream(inner, mask)
    stream.write(SECRET)
    mask.add_variables({"W": SECRET}, ["W", "MISSING"])
    stream.write(SECRET)
    assert inner.getvalue() == SECRET + MASK


def test_click_writes_through_the_mask_and_cannot_reach_the_bytes_underneath() -> None:
    out, err = io.StringIO(), io.StringIO()
    mask = SecretMask([SECRET])
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with masked_output(mask, sys):
            click.echo(f"value={SECRET}")
            click.echo(f"error={SECRET}", err=True)
            assert not hasattr(sys.stdout, "buffer")
    finally:
        sys.stdout, sys.stderr = saved
    assert out.getvalue() == f"value={MASK}\n" and err.getvalue() == f"error={MASK}\n"
