"""`hfjobs-spec localhub serve`: run localhub in the foreground until interrupted.

The main CLI attaches the `localhub` group; `python -m hfjobs_spec.localhub` runs it alone.
"""

from __future__ import annotations

import ipaddress
import json
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from hfjobs_spec.localhub.common import DEFAULT_PAGE_SIZE
from hfjobs_spec.localhub.lifecycle import Durations


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _load_faults(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {"rules": [], "seed": 0}
    try:
        config = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--faults") from None
    if not isinstance(config, dict):
        raise click.BadParameter('expected {"rules": [...], "seed": N}', param_hint="--faults")
    return config


@click.group(name="localhub")
def localhub() -> None:
    """A local stand-in for the Hugging Face Jobs API (see docs/localhub.md).

    \b
    Examples:
      hfjobs-spec localhub serve --port 8765 --db hub.sqlite3
      HF_ENDPOINT=http://127.0.0.1:8765 HF_TOKEN=hf_x hfjobs-spec plan
    """


@localhub.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind (loopback unless you say otherwise).",
)
@click.option(
    "--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="Port; 0 picks a free one."
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file for the state (shared safely between processes). Default: a temporary one.",
)
@click.option("--user", default="alice", show_default=True, help="The user every accepted token stands for.")
@click.option(
    "--org", "orgs", multiple=True, help="An org of the user (repeatable); also a usable namespace."
)
@click.option("--token", default=None, help="Accept only this bearer token (default: any non-empty token).")
@click.option("--page-size", default=DEFAULT_PAGE_SIZE, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--scheduling-seconds",
    default=Durations.scheduling_seconds,
    show_default=True,
    type=click.FloatRange(0),
    help="Default time a run spends in SCHEDULING.",
)
@click.option(
    "--run-seconds",
    default=Durations.run_seconds,
    show_default=True,
    type=click.FloatRange(0),
    help="Default time a run spends in RUNNING.",
)
@click.option(
    "--faults",
    "faults_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help='JSON fault configuration, as for POST /_localhub/faults: {"rules": [...], "seed": N}.',
)
def serve(
    host: str,
    port: int,
    db_path: Path | None,
    user: str,
    orgs: tuple[str, ...],
    token: str | None,
    page_size: int,
    scheduling_seconds: float,
    run_seconds: float,
    faults_path: Path | None,
) -> None:
    """Serve until interrupted. The first line printed is the base URL.

    \b
    Examples:
      hfjobs-spec localhub serve --port 8765 --db hub.sqlite3 --org acme
      hfjobs-spec localhub serve --run-seconds 2 --faults faults.json
    """
    from hfjobs_spec.localhub.server import LocalHub  # the server's imports are paid only when serving

    faults = _load_faults(faults_path)
    try:
        hub = LocalHub(
            db_path,
            host=host,
            port=port,
            user=user,
            orgs=orgs,
            token=token,
            page_size=page_size,
            scheduling_seconds=scheduling_seconds,
            run_seconds=run_seconds,
        )
        hub.faults.load(faults)
        hub.start()
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # The one line of output other programs rely on: read it to learn where to connect.
        click.echo(hub.url)
        if not _is_loopback(host):
            click.echo(
                f"warning: serving on {host}: the admin routes under /_localhub/ need no token", err=True
            )
        while not stop.wait(0.5):
            pass
    finally:
        hub.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
