"""``cadctl investigations`` and ``cadctl actions``: what CAD knows."""

from __future__ import annotations

import typer

from cad.cli.common import _config, _fail, _settings
from cad.cli.options import ConfigFile


def list_investigations(ctx: typer.Context, config: ConfigFile = None) -> None:
    """List investigations: name, aliases, default stage, alerts routed to each."""
    from cad.config.investigation_config import InvestigationConfigError
    from cad.investigations.registry import REGISTRY

    settings = _settings(ctx)
    try:
        loaded = _config(config, settings)
    except InvestigationConfigError as error:
        raise _fail(str(error)) from None
    for cls in REGISTRY.classes():
        details = [f"stage: {cls.default_stage.value}"]
        if cls.aliases:
            details.insert(0, f"aliases: {', '.join(cls.aliases)}")
        typer.echo(f"{cls.name}  ({'; '.join(details)})")
        typer.echo(f"  {cls.description}")
        alerts = loaded.alerts_for(cls.name)
        typer.echo(f"  alerts: {', '.join(alerts) if alerts else '(none in the config)'}")


def list_actions() -> None:
    """List the action types the executor knows, with their lanes."""
    from cad.actions import action_classes

    for cls in action_classes():
        typer.echo(f"{cls.model_fields['type'].default:<24} lane={cls.lane.value}")
