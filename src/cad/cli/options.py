"""The options ``cadctl``'s commands share.

``--log-level`` and ``--version`` are declared once, on the root callback
(``cadctl --log-level debug run ...``); :func:`offer_everywhere` offers the same options on
every command too, where they have always been accepted (``cadctl run ... --log-level debug``).
Neither reaches a command's arguments: ``--log-level`` is kept in the context
(:func:`chosen_log_level`) and ``--version`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

_LOG_LEVEL = "cad.cli.log_level"
SHARED = ("log_level", "show_version")
"""The names of the options every command takes."""


def _remember_log_level(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> None:
    # The root and the command both read CAD_LOG_LEVEL: only an option typed on the command
    # line replaces what is already known, so the root's `--log-level` survives the variable.
    if not value:
        return
    source = ctx.get_parameter_source(param.name or "")
    if _LOG_LEVEL not in ctx.meta or (source is not None and source.name == "COMMANDLINE"):
        ctx.meta[_LOG_LEVEL] = value


def chosen_log_level(ctx: typer.Context) -> str:
    """``--log-level`` as given before or after the command (else ``CAD_LOG_LEVEL``); empty
    when neither."""
    return str(ctx.meta.get(_LOG_LEVEL, ""))


LogLevel = Annotated[
    str,
    typer.Option(
        "--log-level",
        help="debug, info, warning or error (env: CAD_LOG_LEVEL).",
        envvar="CAD_LOG_LEVEL",
        callback=_remember_log_level,
        expose_value=False,
    ),
]


Json = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON (schema: docs/cli.md).")
]


DryRun = Annotated[
    bool, typer.Option("--dry-run", "-d", help="Write nothing anywhere; show what would happen.")
]


Reason = Annotated[
    str | None,
    typer.Option(
        "--reason",
        help="Why you run it, kept in the run history (required unless --dry-run).",
    ),
]


RequestedBy = Annotated[
    str | None,
    typer.Option(
        "--requested-by",
        help="Who asks for the run [default: CAD_REQUESTED_BY, else $USER].",
        show_default=False,
    ),
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
    typer.Option(
        "--version",
        callback=_version,
        is_eager=True,
        expose_value=False,
        help="Print the version and exit.",
    ),
]


def offer_everywhere(root: TyperGroup) -> None:
    """Give every command of ``root``'s tree the root's shared options (the same objects)."""
    shared = [param for param in root.params if param.name in SHARED]
    pending = list(root.commands.values())
    while pending:
        command = pending.pop()
        if isinstance(command, TyperGroup):
            pending.extend(command.commands.values())
        else:
            command.params.extend(shared)
