"""``cadctl config``: investigation config files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cad.cli.common import _settings


def validate_config(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The config file to check.")],
) -> None:
    """Check a config file: schema, filters, investigation names, shadowed alerts."""
    from cad.config.investigation_config import InvestigationConfigError, load_config
    from cad.investigations.registry import REGISTRY

    _settings(ctx)
    try:
        loaded = load_config(file, known=REGISTRY.names())
    except InvestigationConfigError as error:
        for problem in error.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2) from None
    for warning in loaded.warnings(REGISTRY.names()):
        typer.echo(f"warning: {file}: {warning}", err=True)
    typer.echo(f"{file}: valid ({len(loaded.alerts)} alert(s))")
