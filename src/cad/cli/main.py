"""Entry point of ``cadctl``. Imports stay inside commands so that ``--help`` answers fast."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cad.config.investigation_config import InvestigationConfig
    from cad.config.settings import Settings
    from cad.controller.outcome import RunOutcome
    from cad.simulators.sandbox import Sandbox

app = typer.Typer(
    name="cadctl",
    help="Configuration Anomaly Detection: investigate alerts of managed OpenShift clusters.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Work with investigation config files.", no_args_is_help=True)
app.add_typer(config_app, name="config")
db_app = typer.Typer(help="Manage CAD's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
sandbox_app = typer.Typer(
    help="Drive a server started with 'serve --sandbox'.", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")

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


@app.callback()
def root(show_version: Version = False) -> None:
    """Configuration Anomaly Detection."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _settings(log_level: str, **overrides: object) -> Settings:
    """The checked settings (``--log-level`` and ``overrides`` win over the environment),
    with logging configured; exit 2 naming every invalid variable."""
    from cad.config.settings import InvalidSettingsError, load_settings
    from cad.logging import configure_logging

    if log_level:
        overrides["log_level"] = log_level
    try:
        settings = load_settings(**overrides)
    except InvalidSettingsError as error:
        raise _fail(str(error)) from None
    configure_logging(settings.log_level, fmt=settings.log_format, secrets=settings.secret_values())
    return settings


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
    for warning in loaded.warnings():
        typer.echo(f"warning: {chosen}: {warning}", err=True)
    return loaded


def _require(settings: Settings, *, pagerduty: bool) -> None:
    from cad.clients.factory import missing_settings

    missing = missing_settings(settings, pagerduty=pagerduty)
    if missing:
        raise _fail("missing required settings: " + ", ".join(missing))


def _finish(outcome: RunOutcome, as_json: bool, settings: Settings, registry: object) -> None:
    from rich.console import Console

    from cad.cli.render import render_outcome

    if as_json:
        typer.echo(outcome.model_dump_json(indent=2))
    else:
        render_outcome(outcome, Console())
    if settings.prometheus_pushgateway:
        from cad.controller.metrics import push_metrics
        from cad.logging import get_logger

        try:
            push_metrics(settings.prometheus_pushgateway, registry)  # type: ignore[arg-type]
        except OSError as error:
            get_logger("cad.cli").warning("could not push metrics", error=str(error))
    raise typer.Exit(outcome.exit_code)


@app.command()
def investigate(
    payload_path: Annotated[
        Path,
        typer.Option(
            "--payload-path", "-p", help="The PagerDuty webhook payload (JSON or base64)."
        ),
    ] = Path("payload.json"),
    config: ConfigFile = None,
    dry_run: DryRun = False,
    as_json: Json = False,
    log_level: LogLevel = "",
    show_version: Version = False,
) -> None:
    """Investigate the incident a PagerDuty webhook payload is about."""
    from cad.config.investigation_config import InvestigationConfig, InvestigationConfigError
    from cad.controller.build import build_controller

    settings = _settings(log_level)
    try:
        payload = payload_path.read_bytes()
    except OSError as error:
        raise _fail(f"cannot read the payload {payload_path}: {error.strerror}") from None
    _require(settings, pagerduty=True)
    config_error = None
    try:
        investigation_config = _config(config, settings)
    except InvestigationConfigError as error:
        investigation_config, config_error = InvestigationConfig(), error
    built = build_controller(settings, investigation_config, pagerduty=True, dry_run=dry_run)
    try:
        if config_error is not None:
            outcome = built.controller.escalate_early_failure(
                payload, str(config_error), dry_run=dry_run
            )
        else:
            outcome = built.controller.investigate(payload, dry_run=dry_run)
    finally:
        built.close()
    _finish(outcome, as_json, settings, built.registry)


def _params(values: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise _fail(f"invalid parameter {value!r}: expected KEY=VALUE with a non-empty key")
        params[key] = rest
    return params


@app.command()
def run(
    cluster: Annotated[
        str, typer.Option("--cluster-id", "-c", help="Cluster id, external id or name.")
    ],
    investigation: Annotated[
        str, typer.Option("--investigation", "-i", help="Investigation name or alias.")
    ],
    params: Annotated[
        list[str] | None,
        typer.Option("--params", "-p", help="KEY=VALUE for the investigation (repeatable)."),
    ] = None,
    dry_run: DryRun = False,
    as_json: Json = False,
    log_level: LogLevel = "",
    show_version: Version = False,
) -> None:
    """Run precheck, ccam and an investigation on one cluster (no incident)."""
    from cad.config.investigation_config import InvestigationConfig
    from cad.controller.build import build_controller

    settings = _settings(log_level)
    parsed = _params(params or [])
    _require(settings, pagerduty=False)
    built = build_controller(settings, InvestigationConfig(), pagerduty=False, dry_run=dry_run)
    try:
        outcome = built.controller.run_manual(
            cluster, investigation, dry_run=dry_run, params=parsed
        )
    finally:
        built.close()
    _finish(outcome, as_json, settings, built.registry)


@app.command("investigations")
def list_investigations(
    config: ConfigFile = None, log_level: LogLevel = "", show_version: Version = False
) -> None:
    """List investigations: name, aliases, default stage, alerts routed to each."""
    from cad.config.investigation_config import InvestigationConfigError
    from cad.investigations.registry import REGISTRY

    settings = _settings(log_level)
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


@config_app.command("validate")
def validate_config(
    file: Annotated[Path, typer.Argument(help="The config file to check.")],
    log_level: LogLevel = "",
    show_version: Version = False,
) -> None:
    """Check a config file: schema, filters, investigation names, shadowed alerts."""
    from cad.config.investigation_config import InvestigationConfigError, load_config
    from cad.investigations.registry import REGISTRY

    _settings(log_level)
    try:
        loaded = load_config(file, known=REGISTRY.names())
    except InvestigationConfigError as error:
        for problem in error.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2) from None
    for warning in loaded.warnings():
        typer.echo(f"warning: {file}: {warning}", err=True)
    typer.echo(f"{file}: valid ({len(loaded.alerts)} alert(s))")


@app.command()
def demo(
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
    log_level: LogLevel = "",
    show_version: Version = False,
) -> None:
    """Run the scenario library against the embedded simulators and check every outcome."""
    from rich.console import Console

    from cad.cli.demo import run_demo
    from cad.logging import configure_logging

    try:
        configure_logging(log_level or "error")
    except ValueError as error:
        raise _fail(f"--log-level (CAD_LOG_LEVEL): {error}") from None
    code = run_demo(names or [], scenarios_dir, as_json=as_json, verbose=verbose, console=Console())
    raise typer.Exit(code)


@app.command()
def serve(
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
            "secrets of its own (nothing of CAD_DATABASE_URL or the configured secrets).",
        ),
    ] = False,
    config: ConfigFile = None,
    migrate: Migrate = None,
    log_level: LogLevel = "",
    show_version: Version = False,
) -> None:
    """Receive PagerDuty webhooks and store them; run them with worker threads (SQLite) or
    queue them for queue workers (PostgreSQL; `--workers N` runs one in this process)."""
    settings = _settings(log_level, **({"listen_address": host} if host else {}))
    simulators = None
    if sandbox:
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

    from cad.cli.listeners import bind, history_warning
    from cad.cli.serving import GracefulServer, ignoring_signals
    from cad.config.investigation_config import InvestigationConfigError
    from cad.service import build_service
    from cad.store.db import StoreUnavailableError
    from cad.store.instance import ServerAlreadyRunningError

    _require(settings, pagerduty=True)
    if workers == 0 and not settings.uses_job_queue():
        raise _fail("--workers 0 needs PostgreSQL (CAD_DATABASE_URL): on SQLite nothing else runs")
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
        typer.echo(f"warning: {warning}", err=True)
    engine = "queue worker" if settings.uses_job_queue() else "worker thread"
    typer.echo(
        f"CAD listening on http://{shown}:{port} "
        f"({workers} {engine}(s), store {_store_name(settings)})",
        err=True,
    )
    if simulators is not None:
        typer.echo(
            "sandbox: try 'cadctl sandbox trigger chgm-customer-stopped-instances "
            f"--url http://{shown}:{port}' (pid {os.getpid()})",
            err=True,
        )
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
        typer.echo(f"CAD stopped ({server.stopped_by.name})", err=True)


@app.command()
def worker(
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
    log_level: LogLevel = "",
    show_version: Version = False,
) -> None:
    """Run incidents' jobs from the PostgreSQL job queue (any number of these, on any
    machines). SIGTERM or Ctrl-C: finish the running jobs, then stop."""
    import asyncio
    import signal

    from procrastinate.exceptions import ConnectorException
    from sqlalchemy.exc import OperationalError

    from cad.cli.listeners import serve_metrics
    from cad.config.investigation_config import InvestigationConfigError
    from cad.service import build_runtime, queue_options
    from cad.store.db import StoreUnavailableError
    from cad.worker.distributed import QueueWorker
    from cad.worker.queue import require_queue

    settings = _settings(
        log_level, **({"metrics_address": metrics_address} if metrics_address else {})
    )
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
        runtime.store, runtime.built.controller, metrics=runtime.metrics, options=options
    )
    typer.echo(
        f"CAD worker {running.name}: {options.concurrency} job(s) at a time, "
        f"store {_store_name(settings)}",
        err=True,
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
    typer.echo(f"CAD worker {running.name} stopped after {running.processed} run(s)", err=True)


@db_app.command("upgrade")
def db_upgrade(log_level: LogLevel = "", show_version: Version = False) -> None:
    """Apply CAD's migrations to CAD_DATABASE_URL (or the SQLite file); on PostgreSQL they
    include the job queue's schema."""
    from cad.store import upgrade
    from cad.store.engine import StoreTimeouts

    settings = _settings(log_level)
    try:
        upgrade(settings.store_url(), StoreTimeouts.of(settings))
    except Exception as error:
        raise _fail(f"could not migrate {_store_name(settings)}: {_reason(error)}", 1) from None
    typer.echo(f"database at {_store_name(settings)} is up to date")


@app.command()
def history(
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="Only runs of this cluster (internal id).")
    ] = None,
    incident: Annotated[
        str | None, typer.Option("--incident", help="Only runs of this incident.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many runs.")] = 20,
    as_json: Json = False,
    log_level: LogLevel = "",
    show_version: Version = False,
) -> None:
    """What CAD did and why, newest first."""
    import json

    from sqlalchemy.exc import SQLAlchemyError

    from cad.store import Store, migrated
    from cad.store.db import StoreUnavailableError
    from cad.store.engine import StoreTimeouts

    settings = _settings(log_level)
    store = Store(settings.store_url(), StoreTimeouts.of(settings))
    try:
        if not migrated(store):
            raise _fail(
                f"the database at {_store_name(settings)} has no CAD schema yet: "
                "run `cadctl db upgrade`",
                1,
            )
        runs = store.runs(cluster=cluster, incident=incident, limit=limit)
    except (StoreUnavailableError, SQLAlchemyError) as error:
        raise _fail(f"cannot read {_store_name(settings)}: {_reason(error)}", 1) from None
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps({"runs": runs}, indent=2))
        return
    if not runs:
        typer.echo("no runs")
    for run in runs:
        chain = ", ".join(f"{s['investigation']}:{s['outcome']}" for s in run["chain"]) or "-"
        typer.echo(
            f"#{run['id']} {run['started_at']} incident {run['incident_id']} "
            f"cluster {run['cluster_id']} {run['status']}"
        )
        typer.echo(f"   alert: {run['alert'] or '-'}; chain: {chain}")
        for action in run["actions"]:
            detail = f" ({action['error']})" if action["error"] else ""
            typer.echo(f"   - {action['description']}: {action['outcome']}{detail}")
        if run["error"]:
            typer.echo(f"   error: {run['error']}")


@app.command()
def status(as_json: Json = False, log_level: LogLevel = "", show_version: Version = False) -> None:
    """The queue and the workers: queued, running and stalled deliveries per worker, failures,
    runs by status, and the fleet budget used this hour."""
    import json

    from cad.executor.budget import BudgetLimits
    from cad.store import Store, StoreWriteBudget
    from cad.store.db import StoreUnavailableError
    from cad.store.engine import StoreTimeouts

    settings = _settings(log_level)
    store = Store(settings.store_url(), StoreTimeouts.of(settings))
    limits = BudgetLimits(
        limited_support_per_hour=settings.budget_limited_support_per_hour,
        service_logs_per_hour=settings.budget_service_logs_per_hour,
    )
    try:
        if settings.uses_job_queue():
            from cad.worker.queue import queue_status

            report = queue_status(store, settings.worker_stalled_after_seconds)
        else:
            report = store.worker_status()
        budget = StoreWriteBudget(store, limits)
        report["budget"] = {
            kind: {"used": budget.used(kind), "limit": limit}
            for kind, limit in limits.per_type().items()
        }
    except StoreUnavailableError as error:
        raise _fail(f"{error} (has `cadctl db upgrade` been run?)", 1) from None
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(
        f"queue ({report['engine']}): {report['queue_depth']} queued, "
        f"{report['running']} running, {report['stalled']} stalled, {report['failed']} failed"
    )
    for worker, counts in sorted(report["workers"].items()):
        age = counts.get("heartbeat_age_s")
        heartbeat = f" (heartbeat {age:.0f} s ago)" if age is not None else ""
        typer.echo(
            f"  worker {worker}{heartbeat}: {counts['running']} running, "
            f"{counts['stalled']} stalled"
        )
    runs = ", ".join(f"{n} {status}" for status, n in sorted(report["runs"].items())) or "none"
    typer.echo(f"runs: {runs}")
    for kind, used in report["budget"].items():
        typer.echo(f"budget this hour: {kind} {used['used']}/{used['limit']}")


@sandbox_app.command("trigger")
def sandbox_trigger(
    scenario: Annotated[str, typer.Argument(help="A scenario of the shipped library.")],
    url: Annotated[
        str, typer.Option("--url", help="The server started with 'serve --sandbox'.")
    ] = "http://127.0.0.1:8080",
    log_level: LogLevel = "",
    show_version: Version = False,
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


@app.command("actions")
def list_actions(log_level: LogLevel = "", show_version: Version = False) -> None:
    """List the action types the executor knows, with their lanes."""
    from cad.actions import action_classes

    for cls in action_classes():
        typer.echo(f"{cls.model_fields['type'].default:<24} lane={cls.lane.value}")


def main() -> None:
    """Run cadctl."""
    app()
