"""``cadctl investigate`` and ``cadctl run``: one run, on an incident or on a cluster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cad.cli.common import _config, _fail, _finish, _require, _settings
from cad.cli.options import ConfigFile, DryRun, Json, Reason, RequestedBy

OPERATOR_EVENT = "cad.investigate"
"""The event type of a kept payload that names none (an Event Orchestration payload)."""

if TYPE_CHECKING:  # the commands import what they run lazily: cadctl starts fast
    from cad.config.investigation_config import InvestigationConfig
    from cad.config.settings import Settings
    from cad.controller.controller import Controller
    from cad.controller.outcome import RunOutcome
    from cad.store.records import KeptPayload, RunRequest


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
    reason: Reason = None,
    requested_by: RequestedBy = None,
) -> None:
    """Investigate the incident a PagerDuty webhook payload is about."""
    from cad.cli.recording import run_request
    from cad.config.investigation_config import InvestigationConfig, InvestigationConfigError

    settings = _settings(ctx)
    try:
        payload = payload_path.read_bytes()
    except OSError as error:
        raise _fail(f"cannot read the payload {payload_path}: {error.strerror}") from None
    _require(settings, pagerduty=True)
    request = run_request(
        settings, "investigate", reason=reason, requested_by=requested_by, dry_run=dry_run
    )
    config_error = None
    try:
        investigation_config = _config(config, settings)
    except InvestigationConfigError as error:
        investigation_config, config_error = InvestigationConfig(), error
    error_text = str(config_error) if config_error is not None else None

    def work(controller: Controller, run_id: int | None) -> RunOutcome:
        if error_text is not None:  # an invalid config: the incident is noted and escalated
            return controller.escalate_early_failure(payload, error_text, dry_run=dry_run)
        return controller.investigate(payload, dry_run=dry_run, run_id=run_id)

    _recorded_run(
        settings,
        request,
        investigation_config,
        pagerduty=True,
        dry_run=dry_run,
        as_json=as_json,
        work=work,
        kept=_kept(payload),
    )


def _recorded_run(
    settings: Settings,
    request: RunRequest | None,
    investigation_config: InvestigationConfig,
    *,
    pagerduty: bool,
    dry_run: bool,
    as_json: bool,
    work: Callable[[Controller, int | None], RunOutcome],
    kept: KeptPayload | None = None,
) -> None:
    """Build the controller on the recorder's ledger and budget, run ``work(controller,
    run_id)`` as one run of the history (when a store is configured; ``kept``: the payload,
    of its incident, kept for ``cadctl rerun``) and print it."""
    import time

    from prometheus_client import CollectorRegistry

    from cad.cli.recording import recorder
    from cad.controller.build import build_controller

    registry = CollectorRegistry()
    with recorder(settings, request, registry) as record:
        built = build_controller(
            settings,
            investigation_config,
            pagerduty=pagerduty,
            dry_run=dry_run,
            ledger=record.ledger,
            budget=record.budget,
            registry=registry,
        )
        started = time.monotonic()
        try:
            outcome = record.run(
                kept.incident_id if kept else None,
                lambda run_id: work(built.controller, run_id),
                kept,
            )
        finally:
            built.close()
    _finish(outcome, as_json, settings, built.registry, time.monotonic() - started)


def _kept(payload: bytes) -> KeptPayload | None:
    """The incident a payload names and the payload as a delivery keeps it (``None``: the
    run will say why; ids too long for the store are not kept either)."""
    import json

    from cad.clients.pagerduty.payload import InvalidPayloadError, decode_payload, parse_payload
    from cad.store.models import EVENT_ID_LENGTH, INCIDENT_ID_LENGTH
    from cad.store.records import KeptPayload

    try:
        data = decode_payload(payload)
        event = parse_payload(data)
    except InvalidPayloadError:
        return None
    if not event.incident_id or len(event.incident_id) > INCIDENT_ID_LENGTH:
        return None
    return KeptPayload(
        incident_id=event.incident_id,
        event_id=event.event_id if 0 < len(event.event_id or "") <= EVENT_ID_LENGTH else None,
        event_type=event.event_type or OPERATOR_EVENT,
        payload=json.dumps(data),
    )


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
    reason: Reason = None,
    requested_by: RequestedBy = None,
) -> None:
    """Run precheck, ccam and an investigation on one cluster (no incident)."""
    from cad.cli.recording import run_request
    from cad.config.investigation_config import InvestigationConfigError

    settings = _settings(ctx)
    parsed = _params(params or [])
    _require(settings, pagerduty=False)
    try:
        investigation_config = _config(config, settings)
    except InvestigationConfigError as error:
        raise _fail(str(error)) from None
    request = run_request(
        settings, "run", reason=reason, requested_by=requested_by, dry_run=dry_run
    )
    _recorded_run(
        settings,
        request,
        investigation_config,
        pagerduty=False,
        dry_run=dry_run,
        as_json=as_json,
        work=lambda controller, _run_id: controller.run_manual(
            cluster,
            investigation,
            dry_run=dry_run,
            params=parsed,
            with_filtering=with_filtering,
        ),
    )
