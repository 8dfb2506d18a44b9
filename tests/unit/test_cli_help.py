"""`--help` of every command, the ones added later included, shows at least one example; README lists each."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

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


def test_the_readme_command_table_has_one_line_per_command(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    listed = [re.match(r"\| `([a-z-]+)", row).group(1) for row in rows]  # type: ignore[union-attr]
    assert sorted(listed) == sorted(cli.commands), "README's command table and the CLI's commands differ"
