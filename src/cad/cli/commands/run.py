"""``cadctl investigate`` and ``cadctl run``: one run, on an incident or on a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cad.cli.common import _config, _fail, _finish, _require, _settings
from cad.cli.options import ConfigFile, DryRun, Json


def investigate(
    ctx: typer.Context,
    payload_path: Annotated[
        Path,
        typer.Option(
            "--payload-path", "-p", help="The PagerDuty webhook payload (JSON or base64)."
        ),
    ] = Path("payload.json"),
    config: ConfigFile = None,
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Investigate the incident a PagerDuty webhook payload is about."""
    import time

    from cad.config.investigation_config import InvestigationConfig, InvestigationConfigError
    from cad.controller.build import build_controller

    settings = _settings(ctx)
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
    started = time.monotonic()
    try:
        if config_error is not None:
            outcome = built.controller.escalate_early_failure(
                payload, str(config_error), dry_run=dry_run
            )
        else:
            outcome = built.controller.investigate(payload, dry_run=dry_run)
    finally:
        built.close()
    _finish(outcome, as_json, settings, built.registry, time.monotonic() - started)


def _params(values: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise _fail(f"invalid parameter {value!r}: expected KEY=VALUE with a non-empty key")
        params[key] = rest
    return params


def run(
    ctx: typer.Context,
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
    with_filtering: Annotated[
        bool,
        typer.Option(
            "--with-filtering",
            help="Evaluate the filters the config gives the first alert routing to the "
            "investigation (default: filters are bypassed).",
        ),
    ] = False,
    config: ConfigFile = None,
    as_json: Json = False,
) -> None:
    """Run precheck, ccam and an investigation on one cluster (no incident)."""
    import time

    from cad.config.investigation_config import InvestigationConfigError
    from cad.controller.build import build_controller

    settings = _settings(ctx)
    parsed = _params(params or [])
    _require(settings, pagerduty=False)
    try:
        investigation_config = _config(config, settings)
    except InvestigationConfigError as error:
        raise _fail(str(error)) from None
    built = build_controller(settings, investigation_config, pagerduty=False, dry_run=dry_run)
    started = time.monotonic()
    try:
        outcome = built.controller.run_manual(
            cluster, investigation, dry_run=dry_run, params=parsed, with_filtering=with_filtering
        )
    finally:
        built.close()
    _finish(outcome, as_json, settings, built.registry, time.monotonic() - started)
