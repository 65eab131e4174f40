"""``cadctl demo`` and ``cadctl sandbox``: CAD against the simulators."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cad.cli.common import _fail, _require_sandbox
from cad.cli.options import Json, chosen_log_level


def demo(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(help="Scenarios to run (default: all).")
    ] = None,
    scenarios_dir: Annotated[
        Path | None, typer.Option("--scenarios-dir", help="Run the scenarios of this directory.")
    ] = None,
    as_json: Json = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show every run in full.")
    ] = False,
) -> None:
    """Run the scenario library against the embedded simulators and check every outcome
    (needs the sandbox extra: pip install 'cad[sandbox]')."""
    _require_sandbox("demo")
    from rich.console import Console

    from cad.cli.demo import run_demo
    from cad.logging import configure_logging

    try:
        configure_logging(chosen_log_level(ctx) or "error")
    except ValueError as error:
        raise _fail(f"--log-level (CAD_LOG_LEVEL): {error}") from None
    code = run_demo(names or [], scenarios_dir, as_json=as_json, verbose=verbose, console=Console())
    raise typer.Exit(code)


def sandbox_trigger(
    scenario: Annotated[str, typer.Argument(help="A scenario of the shipped library.")],
    url: Annotated[
        str, typer.Option("--url", help="The server started with 'serve --sandbox'.")
    ] = "http://127.0.0.1:8080",
) -> None:
    """Seed the server's sandbox with a scenario; the server posts its incident to itself as a
    signed webhook (the signing secret never leaves it)."""
    import json

    import httpx

    try:
        seeded = httpx.post(f"{url}/sandbox/scenarios/{scenario}", timeout=60)
    except httpx.TransportError as error:
        raise _fail(f"cannot reach {url}: {type(error).__name__}", 1) from None
    if seeded.status_code != 200:
        raise _fail(f"the server refused the scenario: {seeded.text}", 1)
    body = seeded.json()
    webhook = body["webhook"]
    typer.echo(
        f"incident {body['incident_id']}: webhook answered {webhook['status']} "
        f"{json.dumps(webhook['answer'])}"
    )
    typer.echo(
        f"watch it: cadctl history --incident {body['incident_id']}  "
        f"or  GET {url}/runs?incident={body['incident_id']}"
    )
