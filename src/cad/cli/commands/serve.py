"""``cadctl serve``: the webhook receiver and its workers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cad.cli.common import (
    _config,
    _fail,
    _reason,
    _require,
    _require_sandbox,
    _settings,
    _store_name,
)
from cad.cli.options import ConfigFile, Migrate

if TYPE_CHECKING:
    from cad.config.settings import Settings
    from cad.simulators.sandbox import Sandbox


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on [default: CAD_LISTEN_ADDRESS, 127.0.0.1]."),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8080,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=64,
            help="Deliveries run at a time in this process (SQLite: worker threads; "
            "PostgreSQL: a queue worker's concurrency, 0 for none: `cadctl worker` runs them).",
        ),
    ] = 2,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Start the simulators and point CAD at them, with a throwaway store and "
            "secrets of its own (nothing of CAD_DATABASE_URL or the configured secrets); "
            "adds the /sandbox/* routes. Needs the sandbox extra: pip install 'cad[sandbox]'.",
        ),
    ] = False,
    config: ConfigFile = None,
    migrate: Migrate = None,
) -> None:
    """Receive PagerDuty webhooks and store them; run them with worker threads (SQLite) or
    queue them for queue workers (PostgreSQL; `--workers N` runs one in this process)."""
    settings = _settings(ctx, **({"listen_address": host} if host else {}))
    simulators = None
    if sandbox:
        _require_sandbox("serve --sandbox")
        from cad.simulators.sandbox import Sandbox

        simulators = Sandbox().start()
        settings = simulators.isolated_settings(
            listen_address=settings.listen_address, api_docs=settings.api_docs
        )
    try:
        _serve(settings, config, port, workers, simulators, migrate)
    finally:
        if simulators is not None:
            simulators.close()


def _serve(
    settings: Settings,
    config: Path | None,
    port: int,
    workers: int,
    simulators: Sandbox | None,
    migrate: bool | None,
) -> None:
    import os

    import uvicorn
    from sqlalchemy.exc import OperationalError

    from cad.cli.common import _announce
    from cad.cli.listeners import bind, history_warning
    from cad.cli.serving import GracefulServer, ignoring_signals
    from cad.config.investigation_config import InvestigationConfigError
    from cad.metrics import cad_version
    from cad.service import build_service, receiver_only
    from cad.store.db import StoreUnavailableError
    from cad.store.instance import ServerAlreadyRunningError

    if workers == 0 and not settings.uses_job_queue():
        raise _fail("--workers 0 needs PostgreSQL (CAD_DATABASE_URL): on SQLite nothing else runs")
    if not receiver_only(settings, workers):
        # A receiver that runs nothing itself needs only the webhook secrets and the database.
        _require(settings, pagerduty=True)
    if not settings.webhook_secrets():
        raise _fail("missing required settings: CAD_PD_WEBHOOK_SECRETS (webhook signing secrets)")
    try:
        loaded = _config(config, settings)
    except InvestigationConfigError as error:
        raise _fail(str(error)) from None
    host = settings.listen_address
    shown = f"[{host}]" if ":" in host else host
    try:
        listener = bind(host, port)
    except OSError as error:
        raise _fail(f"cannot listen on {host}:{port}: {error.strerror}", 1) from None
    migrating = settings.migrate if migrate is None else migrate
    try:
        if simulators is None:
            service = build_service(settings, loaded, workers=workers, migrate=migrating)
        else:
            from cad.sandbox_service import build_sandbox_service

            service = build_sandbox_service(
                settings, loaded, workers=workers, sandbox=simulators, migrate=migrating
            )
    except ServerAlreadyRunningError as error:
        listener.close()
        raise _fail(str(error), 1) from None
    except (StoreUnavailableError, OperationalError) as error:
        listener.close()
        raise _fail(
            f"cannot use the store at {_store_name(settings)}: {_reason(error)}", 1
        ) from None
    warning = history_warning(settings)
    if warning is not None:
        _announce(
            settings, f"warning: {warning}", "api token missing", level="warning", detail=warning
        )
    engine = "queue worker" if settings.uses_job_queue() else "worker thread"
    url = f"http://{shown}:{port}"
    _announce(
        settings,
        f"CAD listening on {url} ({workers} {engine}(s), store {_store_name(settings)})",
        "CAD listening",
        url=url,
        workers=workers,
        engine=engine,
        receiver_only=receiver_only(settings, workers),
        store=_store_name(settings),
        version=cad_version(),
        pid=os.getpid(),
    )
    if simulators is not None:
        hint = f"cadctl sandbox trigger chgm-customer-stopped-instances --url {url}"
        _announce(settings, f"sandbox: try '{hint}' (pid {os.getpid()})", "sandbox", hint=hint)
    # SIGTERM/SIGINT: stop accepting, let runs in flight finish within the grace period, hand
    # back the rest, close the store and the sandbox, exit 0 (see docs/operations.md).
    server = GracefulServer(
        uvicorn.Config(
            service.app,
            log_level="warning",
            timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)),
        )
    )
    try:
        server.run(sockets=[listener])
    finally:
        with ignoring_signals():
            service.close()
        listener.close()
    if server.stopped_by is not None:
        name = server.stopped_by.name
        _announce(settings, f"CAD stopped ({name})", "CAD stopped", signal=name)
