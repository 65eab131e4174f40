"""The receiver (FastAPI). It stores a delivery before it acknowledges it, and calls no
other system: PagerDuty, OCM and AWS are the workers' business.

Every delivery is logged once (``delivery``): its outcome (``accepted``, ``duplicate``,
``ignored`` or ``refused``), why (``reason``), the HTTP status, and the ids known by then
(``delivery``, ``webhook_id``, ``event_id``, ``incident``, ``event_type``); never its body
or a header's value but the webhook id, and ids only once the signature holds."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from cad.clients.pagerduty.payload import IncidentEvent, InvalidPayloadError, parse_payload
from cad.metrics import ServiceMetrics
from cad.store.db import CancelJobs, Enqueue, Store, StoreUnavailableError
from cad.store.deliveries import UnknownIncidentError
from cad.store.records import RunRequest
from cad.webhook.access import AccessLog
from cad.webhook.reruns import parse_rerun
from cad.webhook.signature import verify_signature
from cad.webhook.storecalls import StoreCalls
from cad.webhook.ui import UiAccess, add_ui
from cad.webhook.ui.pages import Rerun, StatusReport
from cad.webhook.validation import BadDeliveryError, check_ids, check_text, parse_body

__all__ = ["MAX_BODY", "RESOLVED_EVENT", "create_app"]

log = structlog.get_logger("cad.receiver")

MAX_BODY = 5 * 1024 * 1024
MAX_RUN_ID = 2**31 - 1  # the runs table's integer ids, on both databases
RESOLVED_EVENT = "incident.resolved"
"""The event that cancels an incident's queued work; it never starts a run."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _read_limited(request: Request) -> bytes | None:
    """The body, or ``None`` when it exceeds :data:`MAX_BODY` (read no further)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _logged(outcome: str, reason: str, answer: JSONResponse, **ids: Any) -> JSONResponse:
    """Log the delivery once (refusals as warnings), then return ``answer``."""
    known = {key: value for key, value in ids.items() if value not in (None, "")}
    emit = log.info if outcome != "refused" else log.warning
    emit("delivery", outcome=outcome, reason=reason, status=answer.status_code, **known)
    return answer


def _event_type(data: object) -> str:
    event = data.get("event") if isinstance(data, dict) else None
    kind = event.get("event_type") if isinstance(event, dict) else None
    # Event Orchestration webhooks carry no event type: they fire on a new incident.
    return kind if isinstance(kind, str) and kind else "incident.triggered"


def create_app(
    *,
    store: Store,
    secrets: list[str],
    event_types: set[str],
    metrics: ServiceMetrics,
    api_token: str | None = None,
    open_history: bool = False,
    api_docs: bool = False,
    on_queued: Callable[[], None] = lambda: None,
    enqueue: Enqueue | None = None,
    cancel_jobs: CancelJobs | None = None,
    store_timeout_s: float = 2.0,
    access_log: bool = False,
    status: StatusReport | None = None,
    rerun: Rerun | None = None,
) -> FastAPI:
    """The receiver's app. With ``enqueue`` (PostgreSQL), each stored delivery's incident job
    is queued in the same transaction. An ``incident.resolved`` delivery, whatever
    ``event_types`` says, starts no run: it cancels the incident's queued deliveries, and
    with ``cancel_jobs`` (PostgreSQL) its waiting job, in the transaction that stores it.
    Store calls run off the event loop, and a store that has not answered within
    ``store_timeout_s`` is answered 503.

    The history (``/runs``) needs ``api_token`` as a bearer token; without one it is served
    only if ``open_history`` (every listener on loopback), else it answers 401; the web UI
    (``/ui``, :mod:`cad.webhook.ui`) takes the same token through its login form, shows the
    queue and the workers as ``status`` reports them, and offers ``rerun`` (by default, a
    re-run queued in the store as ``POST /incidents/{id}/rerun`` does). The API docs
    (``/docs``, ``/redoc``, ``/openapi.json``) exist only with ``api_docs``. With
    ``access_log``, every HTTP request is logged too
    (:class:`~cad.webhook.access.AccessLog`)."""
    app = FastAPI(
        title="CAD webhook receiver",
        version="1",
        docs_url="/docs" if api_docs else None,
        redoc_url="/redoc" if api_docs else None,
        openapi_url="/openapi.json" if api_docs else None,
    )
    # SQLite takes one writer at a time: more threads would only wait on its lock in turn.
    calls = StoreCalls(store_timeout_s, threads=1 if store.is_sqlite else 8)
    if access_log:
        app.add_middleware(AccessLog)

    def queue_rerun_of(incident_id: str, asked: RunRequest) -> int:
        """Queue a re-run (the endpoint's and the UI's); blocking: on the store's threads."""
        delivery = store.deliveries.add_rerun(incident_id, asked, enqueue=enqueue)
        on_queued()
        return delivery

    def rerun_from_ui(incident_id: str, *, reason: str, requested_by: str) -> int:
        asked = RunRequest(trigger="rerun", reason=reason, requested_by=requested_by)
        return queue_rerun_of(incident_id, asked)

    add_ui(
        app,
        store=store,
        # Threads of its own: a reader's search never queues in front of a delivery.
        calls=StoreCalls(store_timeout_s, threads=2),
        access=UiAccess(api_token, open_access=open_history),
        status=status,
        rerun=rerun or rerun_from_ui,
    )

    @app.post("/webhooks/pagerduty", status_code=202)
    async def receive(request: Request) -> JSONResponse:
        body = await _read_limited(request)
        if body is None:
            metrics.deliveries.labels(outcome="too_large").inc()
            return _logged(
                "refused", "too_large", _error(413, "request body too large (limit 5 MiB)")
            )
        if not verify_signature(body, request.headers.get("x-pagerduty-signature"), secrets):
            metrics.deliveries.labels(outcome="bad_signature").inc()
            answer = _error(401, "missing or invalid X-PagerDuty-Signature")
            return _logged("refused", "bad_signature", answer)
        try:
            text, data = parse_body(body)
        except BadDeliveryError as error:
            metrics.deliveries.labels(outcome="malformed").inc()
            return _logged("refused", f"malformed: {error}", _error(400, str(error)))
        kind = _event_type(data)
        if kind not in event_types and kind != RESOLVED_EVENT:
            metrics.deliveries.labels(outcome="ignored").inc()
            answer = JSONResponse({"status": "ignored", "event_type": kind}, status_code=202)
            reason = "event type not in CAD_WEBHOOK_EVENT_TYPES"
            return _logged("ignored", reason, answer, event_type=kind[:100])
        webhook_id = request.headers.get("x-webhook-id")
        try:
            event = parse_payload(data)
            check_ids(incident_id=event.incident_id, event_id=event.event_id, webhook_id=webhook_id)
        except (InvalidPayloadError, BadDeliveryError) as error:
            metrics.deliveries.labels(outcome="malformed").inc()
            return _logged("refused", f"malformed: {error}", _error(400, str(error)))
        ids = {
            "webhook_id": webhook_id,
            "event_id": event.event_id,
            "incident": event.incident_id,
            "event_type": kind,
        }
        if kind == RESOLVED_EVENT:
            return await resolve(event, webhook_id, kind, text, ids)
        try:
            delivery_id, created = await calls(
                store.deliveries.add,
                webhook_id=webhook_id,
                event_id=event.event_id or None,
                incident_id=event.incident_id,
                event_type=kind,
                payload=text,
                queued=True,
                enqueue=enqueue,
            )
        except StoreUnavailableError as error:
            metrics.deliveries.labels(outcome="store_unavailable").inc()
            answer = _error(503, "the delivery could not be stored; please retry")
            return _logged("refused", f"store_unavailable: {error}", answer, **ids)
        if not created:
            metrics.deliveries.labels(outcome="duplicate").inc()
            answer = JSONResponse({"status": "duplicate"}, status_code=202)
            reason = "its webhook id or event id was received before"
            return _logged("duplicate", reason, answer, delivery=delivery_id, **ids)
        metrics.deliveries.labels(outcome="queued").inc()
        on_queued()
        answer = JSONResponse({"status": "queued", "delivery": delivery_id}, status_code=202)
        return _logged("accepted", "queued", answer, delivery=delivery_id, **ids)

    async def resolve(
        event: IncidentEvent, webhook_id: str | None, kind: str, text: str, ids: dict[str, Any]
    ) -> JSONResponse:
        try:
            resolution = await calls(
                store.deliveries.resolve,
                webhook_id=webhook_id,
                event_id=event.event_id or None,
                incident_id=event.incident_id,
                event_type=kind,
                payload=text,
                cancel_jobs=cancel_jobs,
            )
        except StoreUnavailableError as error:
            metrics.deliveries.labels(outcome="store_unavailable").inc()
            answer = _error(503, "the delivery could not be stored; please retry")
            return _logged("refused", f"store_unavailable: {error}", answer, **ids)
        if not resolution.created:
            metrics.deliveries.labels(outcome="duplicate").inc()
            answer = JSONResponse({"status": "duplicate"}, status_code=202)
            reason = "its webhook id or event id was received before"
            return _logged("duplicate", reason, answer, delivery=resolution.id, **ids)
        metrics.deliveries.labels(outcome="resolved").inc()
        answer = JSONResponse(
            {"status": "resolved", "delivery": resolution.id, "cancelled": resolution.cancelled},
            status_code=202,
        )
        reason = f"resolved: {resolution.cancelled} queued delivery(ies) cancelled"
        return _logged("accepted", reason, answer, delivery=resolution.id, **ids)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            ready = await calls(store.ping)
            problem = "" if ready else "unavailable"
        except StoreUnavailableError as error:
            problem = f"unavailable: {error}"
        if problem:
            return JSONResponse({"status": "not ready", "store": problem}, status_code=503)
        return JSONResponse({"status": "ready", "store": "available"})

    @app.get("/metrics")
    async def prometheus() -> Response:
        try:  # the queue depth is read from the store
            exposition = await calls(generate_latest, metrics.registry)
        except StoreUnavailableError as error:
            return _error(503, str(error))
        return PlainTextResponse(exposition, media_type=CONTENT_TYPE_LATEST)

    def authorized(request: Request) -> bool:
        if api_token is None:
            return open_history
        given = request.headers.get("authorization") or ""
        return hmac.compare_digest(given.encode(), f"Bearer {api_token}".encode())

    @app.get("/runs")
    async def runs(
        request: Request,
        cluster: str | None = None,
        incident: str | None = None,
        organization: str | None = None,
        limit: int = 50,
    ) -> JSONResponse:
        if not authorized(request):
            return _error(401, "a valid bearer token is required")
        try:
            for name, value in (
                ("cluster filter", cluster),
                ("incident filter", incident),
                ("organization filter", organization),
            ):
                check_text(name, value or "")
            found = await calls(
                store.history.runs,
                cluster=cluster,
                incident=incident,
                organization=organization,
                limit=max(1, min(limit, 500)),
            )
        except BadDeliveryError as error:
            return _error(400, str(error))
        except StoreUnavailableError:
            return _error(503, "the store is unavailable; please retry")
        return JSONResponse({"runs": [run.to_json() for run in found]})

    @app.get("/runs/{run_id}")
    async def run(request: Request, run_id: int) -> JSONResponse:
        if not authorized(request):
            return _error(401, "a valid bearer token is required")
        if not 1 <= run_id <= MAX_RUN_ID:
            return _error(404, f"no run {run_id} (run ids are 1 to {MAX_RUN_ID})")
        try:
            found = await calls(store.history.run, run_id)
        except StoreUnavailableError:
            return _error(503, "the store is unavailable; please retry")
        if found is None:
            return _error(404, f"no run {run_id}")
        return JSONResponse(found.to_json())

    @app.post("/incidents/{incident_id}/rerun", status_code=202)
    async def queue_rerun(request: Request, incident_id: str) -> JSONResponse:
        # Behind the history's token; JSON only, so a page elsewhere cannot post a form here.
        if not authorized(request):
            return _error(401, "a valid bearer token is required")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, "the body must be JSON (Content-Type: application/json)")
        body = await _read_limited(request)
        try:
            check_ids(incident_id=incident_id, event_id=None, webhook_id=None)
            asked = parse_rerun(body or b"")
            delivery_id = await calls(queue_rerun_of, incident_id, asked)
        except BadDeliveryError as error:
            return _error(400, str(error))
        except UnknownIncidentError as error:
            return _error(404, str(error))
        except StoreUnavailableError:
            return _error(503, "the store is unavailable; please retry")
        log.info(
            "rerun",
            incident=incident_id,
            delivery=delivery_id,
            requested_by=asked.requested_by,
            repeat_effects=asked.repeat_effects,
        )
        return JSONResponse(
            {"status": "queued", "delivery": delivery_id, "incident": incident_id},
            status_code=202,
        )

    return app
