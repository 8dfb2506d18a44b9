"""`completion SHELL`: print the script that makes the shell complete hfjobs-spec (click's own machinery)."""

from __future__ import annotations

import click

from hfjobs_spec.cli.group import COMPLETE_VAR, PROG, cli


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script of SHELL: commands, options, manifest names (--target, --replace,
    NAME arguments) and environments (-E), read from the project in the current folder.

    \b
    Examples:
      eval "$(hfjobs-spec completion bash)"     # in ~/.bashrc
      eval "$(hfjobs-spec completion zsh)"      # in ~/.zshrc, after compinit
      hfjobs-spec completion fish > ~/.config/fish/completions/hfjobs-spec.fish
    """
    from click.shell_completion import get_completion_class

    script_class = get_completion_class(shell)
    if script_class is None:  # click knows the three shells of the Choice above
        raise click.UsageError(f"no completion for {shell}")
    click.echo(script_class(cli, {}, PROG, COMPLETE_VAR).source())
