"""The command line: parse options, call the core, print, choose the exit code. Nothing else.

`group` holds the `hfjobs-spec` group and the error boundary (`main`); each `*_commands` module
adds its commands to the group; `options` declares every option once, as typed values.
"""

from hfjobs_spec.cli import (
    completion_command,
    cost_commands,
    destroy_command,
    drift_commands,
    export_command,
    init_command,
    manifest_commands,
    operate_commands,
    reconcile_commands,
)
from hfjobs_spec.cli.group import cli, main

__all__ = ["cli", "completion_command", "cost_commands", "destroy_command", "drift_commands", "export_command",
           "init_command", "main", "manifest_commands", "operate_commands", "reconcile_commands"]


def _mount_localhub() -> None:
    from hfjobs_spec.localhub.cli import localhub  # light: the server itself loads on first use

    cli.add_command(localhub)


_mount_localhub()
