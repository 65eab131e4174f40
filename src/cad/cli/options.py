"""The options ``cadctl``'s commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LogLevel = Annotated[
    str,
    typer.Option(
        "--log-level",
        help="debug, info, warning or error (env: CAD_LOG_LEVEL).",
        envvar="CAD_LOG_LEVEL",
    ),
]


Json = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON (schema: docs/cli.md).")
]


DryRun = Annotated[
    bool, typer.Option("--dry-run", "-d", help="Write nothing anywhere; show what would happen.")
]


Migrate = Annotated[
    bool | None,
    typer.Option(
        "--migrate/--no-migrate",
        help="Migrate the database at start, under a lock (default: CAD_MIGRATE, true); "
        "--no-migrate where a job runs `cadctl db upgrade` before a rollout.",
        show_default=False,
    ),
]


ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Investigation config file (default: CAD_INVESTIGATION_CONFIG_PATH, then shipped).",
    ),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"cadctl {version('cad')}")
        raise typer.Exit()


Version = Annotated[
    bool,
    typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
]
