"""What ``cadctl``'s commands share: settings, config, failures, results."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cad.cli.options import chosen_log_level

if TYPE_CHECKING:
    from cad.config.investigation_config import InvestigationConfig
    from cad.config.settings import Settings
    from cad.controller.outcome import RunOutcome


SANDBOX_INSTALL = "pip install 'cad[sandbox]'"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _require_sandbox(command: str) -> None:
    """Load the simulators for ``command`` (``demo``, ``serve --sandbox``); exit 2 with one
    line naming the install command when the ``sandbox`` extra (moto) is not installed.
    Nothing else of ``cadctl`` imports them: production installs go without the extra."""
    try:
        import cad.simulators.sandbox  # noqa: F401
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if missing in ("", "cad"):
            raise
        raise _fail(
            f"'cadctl {command}' needs the sandbox extra ({missing} is not installed): "
            f"{SANDBOX_INSTALL}"
        ) from None


def _settings(ctx: typer.Context, **overrides: object) -> Settings:
    """The checked settings (``--log-level`` and ``overrides`` win over the environment),
    with logging configured; exit 2 naming every invalid variable."""
    from cad.config.settings import InvalidSettingsError, load_settings
    from cad.logging import configure_logging

    log_level = chosen_log_level(ctx)
    if log_level:
        overrides["log_level"] = log_level
    try:
        settings = load_settings(**overrides)
    except InvalidSettingsError as error:
        raise _fail(str(error)) from None
    configure_logging(settings.log_level, fmt=settings.log_format, secrets=settings.secret_values())
    return settings


def _announce(
    settings: Settings, text: str, event: str, *, level: str = "info", **fields: object
) -> None:
    """A start-up or shutdown banner: ``text`` on stderr for people (console logs), or the
    structured ``event`` with ``fields`` at ``level`` (JSON logs: one JSON line, like every
    other line a log collector reads)."""
    if settings.log_format != "json":
        typer.echo(text, err=True)
        return
    from cad.logging import get_logger

    getattr(get_logger("cad.cli"), level)(event, **fields)


def _store_name(settings: Settings) -> str:
    """The store's URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(settings.store_url()).render_as_string(hide_password=True)


def _reason(error: BaseException) -> str:
    """The first line of what the database driver said (never a URL with a password)."""
    cause = getattr(error, "orig", None) or error.__cause__ or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def _config(path: Path | None, settings: Settings) -> InvestigationConfig:
    from cad.config.investigation_config import load_config, load_default_config
    from cad.investigations.registry import REGISTRY

    chosen = path or (
        Path(settings.investigation_config_path) if settings.investigation_config_path else None
    )
    if chosen is None:
        return load_default_config(known=REGISTRY.names())
    loaded = load_config(chosen, known=REGISTRY.names())
    for warning in loaded.warnings(REGISTRY.names()):
        _announce(
            settings,
            f"warning: {chosen}: {warning}",
            "config warning",
            level="warning",
            file=str(chosen),
            warning=warning,
        )
    return loaded


def _require(settings: Settings, *, pagerduty: bool) -> None:
    from cad.clients.factory import missing_settings

    missing = missing_settings(settings, pagerduty=pagerduty)
    if missing:
        raise _fail("missing required settings: " + ", ".join(missing))


def _finish(
    outcome: RunOutcome, as_json: bool, settings: Settings, registry: object, duration_s: float
) -> None:
    """Print the run (human or ``--json``) on stdout, log its one line (``run``, as the
    service's workers do), push the metrics if asked, and exit with the run's code."""
    from rich.console import Console

    from cad.cli.render import render_outcome
    from cad.logging import get_logger

    if as_json:
        typer.echo(outcome.model_dump_json(indent=2))
    else:
        render_outcome(outcome, Console())
    emit = (
        get_logger("cad.cli").info if outcome.status != "failed" else get_logger("cad.cli").warning
    )
    emit("run", mode=outcome.mode, duration_s=round(duration_s, 3), **outcome.summary())
    if settings.prometheus_pushgateway:
        from cad.controller.metrics import push_metrics

        try:
            push_metrics(settings.prometheus_pushgateway, registry)  # type: ignore[arg-type]
        except OSError as error:
            get_logger("cad.cli").warning("could not push metrics", error=str(error))
    raise typer.Exit(outcome.exit_code)
