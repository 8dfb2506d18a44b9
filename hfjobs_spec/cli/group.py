"""The `hfjobs-spec` group, and `main`: the secret mask over every output, then the one error boundary.

Exit codes: 0 success; 1 any error (invalid manifests, Hub failures, usage errors, stale plans);
2 only from `plan --detailed-exitcode` when there are changes and from `drift` when there is drift;
130 interrupted.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

import click

from hfjobs_spec import __version__
from hfjobs_spec.cli.options import GlobalOptions, ProjectArgs, globals_of, project_options
from hfjobs_spec.errors import HfJobsSpecError, ManifestErrors
from hfjobs_spec.manifest.tokens import safe_text
from hfjobs_spec.masking import SecretMask, masked_output

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@project_options
@click.option("--local", is_flag=True, help="Use the embedded local Hub (state in .hfjobs/); no account needed.")
@click.option("--debug", is_flag=True, help="Show tracebacks (with their causes) of errors.")
@click.version_option(__version__, prog_name="hfjobs-spec")
@click.pass_context
def cli(ctx: click.Context, project: ProjectArgs, local: bool, debug: bool) -> None:
    """GitOps for Hugging Face Jobs: declare jobs in YAML, validate them, plan and apply them."""
    glob = globals_of(ctx)  # main() passes one in, holding the output's secret mask
    glob.project, glob.local, glob.debug = project, local, debug


def main(argv: Sequence[str] | None = None, *, options: GlobalOptions | None = None) -> int:
    """Entry point: every byte written goes through the secret mask; then the one error boundary.

    `options` is for a caller embedding the CLI (its Hub endpoint, its clock); its mask is replaced.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    mask = SecretMask.from_environ(os.environ)
    glob = options or GlobalOptions()
    glob.mask = mask
    with masked_output(mask, sys):
        return _run(args, glob)


def _run(args: list[str], glob: GlobalOptions) -> int:
    """The error boundary: known errors exit 1, Ctrl-C 130, bugs a short note."""
    debug = "--debug" in args
    if any("\x00" in arg for arg in args):  # no shell can pass one, but a caller in-process can
        click.echo("Error: an argument contains a NUL byte", err=True)
        return EXIT_ERROR
    try:
        # Without standalone mode click returns `ctx.exit(code)` codes instead of calling sys.exit.
        code = cli.main(args=args, prog_name="hfjobs-spec", standalone_mode=False, obj=glob)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        # Usage errors exit 1, never 2: 2 means "changes" to `plan --detailed-exitcode`.
        return EXIT_ERROR
    except HfJobsSpecError as exc:
        if debug:  # the cause, kept by `raise ... from`, is what a maintainer needs
            traceback.print_exc()
        _print_error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: anything else is a bug, reported briefly
        if debug:
            traceback.print_exc()
        click.echo(safe_text(f"Unexpected error: {type(exc).__name__}: {exc}"), err=True)
        if not debug:
            click.echo("This is a bug in hfjobs-spec; rerun with --debug to see the traceback.", err=True)
        return EXIT_ERROR
    return code if isinstance(code, int) else EXIT_OK


def _print_error(exc: HfJobsSpecError) -> None:
    # The last line of defence: an error may quote the Hub or a file, so no token and no control
    # character (an escape sequence, a `::workflow-command::` line) reaches the terminal or a CI log.
    if isinstance(exc, ManifestErrors):
        for issue in exc.issues:
            click.echo(safe_text(str(issue)), err=True)
    click.echo(safe_text(f"Error: {exc}"), err=True)
