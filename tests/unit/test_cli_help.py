"""`--help` of every command, the ones added later included, shows at least one example."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import click

from hfjobs_spec.cli import cli, main


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def test_every_command_shows_examples() -> None:
    found = list(commands(cli))
    assert {("plan",), ("apply",), ("status",), ("completion",), ("localhub", "serve")} <= set(found)
    missing = []
    for path in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main([*path, "--help"]) == 0
        examples = out.getvalue().partition("Example")[2]
        if "hfjobs-spec " not in examples:
            missing.append(" ".join(path))
    assert not missing, f"--help without an example: {missing}"
