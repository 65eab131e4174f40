"""``cadctl worker``: a queue worker (PostgreSQL)."""

from __future__ import annotations

from typing import Annotated

import typer

from cad.cli.common import _announce, _config, _fail, _reason, _require, _settings, _store_name
from cad.cli.options import ConfigFile, Migrate


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Jobs run at a time [default: CAD_WORKER_CONCURRENCY]."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Serve Prometheus metrics on this port (/metrics)."),
    ] = None,
    metrics_address: Annotated[
        str | None,
        typer.Option(
            help="Address the metrics listen on [default: CAD_METRICS_ADDRESS, 127.0.0.1]."
        ),
    ] = None,
    config: ConfigFile = None,
    migrate: Migrate = None,
) -> None:
    """Run incidents' jobs from the PostgreSQL job queue (any number of these, on any
    machines). SIGTERM or Ctrl-C: finish the running jobs, then stop."""
    import asyncio
    import signal

    from procrastinate.exceptions import ConnectorException
    from sqlalchemy.exc import OperationalError

    from cad.cli.listeners import serve_metrics
    from cad.config.investigation_config import InvestigationConfigError
    from cad.metrics import cad_version
    from cad.service import build_runtime, queue_options
    from cad.store.db import StoreUnavailableError
    from cad.worker.distributed import QueueWorker
    from cad.worker.queue import require_queue

    settings = _settings(ctx, **({"metrics_address": metrics_address} if metrics_address else {}))
    if not settings.uses_job_queue():
        raise _fail(
            "cadctl worker needs CAD_DATABASE_URL to be PostgreSQL; "
            "with SQLite, `cadctl serve` runs the deliveries itself"
        )
    _require(settings, pagerduty=True)
    try:
        loaded = _config(config, settings)
    except InvestigationConfigError as error:
        raise _fail(str(error)) from None
    try:
        runtime = build_runtime(
            settings, loaded, migrate=settings.migrate if migrate is None else migrate
        )
        require_queue(runtime.store)
    except OperationalError as error:
        raise _fail(
            f"cannot use the store at {_store_name(settings)}: {_reason(error)}", 1
        ) from None
    except StoreUnavailableError as error:
        raise _fail(f"{error} (is PostgreSQL up, and has `cadctl db upgrade` run?)", 1) from None
    options = queue_options(settings, concurrency or settings.worker_concurrency)
    if metrics_port is not None:
        address = settings.metrics_address
        try:
            serve_metrics(address, metrics_port, runtime.registry)
        except OSError as error:
            runtime.close()
            raise _fail(
                f"cannot serve metrics on {address}:{metrics_port}: {error.strerror}", 1
            ) from None
    running = QueueWorker(
        runtime.store, runtime.controller, metrics=runtime.metrics, options=options
    )
    _announce(
        settings,
        f"CAD worker {running.name}: {options.concurrency} job(s) at a time, "
        f"store {_store_name(settings)}",
        "CAD worker started",
        worker=running.name,
        concurrency=options.concurrency,
        store=_store_name(settings),
        version=cad_version(),
    )
    # Until the queue's own handlers are installed (they finish running jobs first), SIGTERM
    # stops start-up like Ctrl-C: cleanly, with nothing taken.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        asyncio.run(running.run_async())
    except KeyboardInterrupt:
        pass
    except (ConnectorException, StoreUnavailableError, OSError) as error:
        cause = error.__cause__ or error
        raise _fail(f"the worker lost its database: {type(cause).__name__}", 1) from None
    finally:
        runtime.close()
    _announce(
        settings,
        f"CAD worker {running.name} stopped after {running.processed} run(s)",
        "CAD worker stopped",
        worker=running.name,
        runs=running.processed,
    )
