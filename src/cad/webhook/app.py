"""The receiver (FastAPI). It stores a delivery before it acknowledges it, and calls no
other system: PagerDuty, OCM and AWS are the workers' business."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from cad.clients.pagerduty.payload import InvalidPayloadError, parse_payload
from cad.metrics import ServiceMetrics
from cad.store.db import Enqueue, Store, StoreUnavailableError
from cad.webhook.signature import verify_signature

__all__ = ["MAX_BODY", "create_app"]

MAX_BODY = 5 * 1024 * 1024


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
    on_queued: Callable[[], None] = lambda: None,
    enqueue: Enqueue | None = None,
) -> FastAPI:
    """The receiver's app. With ``enqueue`` (PostgreSQL), each stored delivery's incident job
    is queued in the same transaction."""
    app = FastAPI(title="CAD webhook receiver", version="1")

    @app.post("/webhooks/pagerduty", status_code=202)
    async def receive(request: Request) -> JSONResponse:
        body = await _read_limited(request)
        if body is None:
            metrics.deliveries.labels(outcome="too_large").inc()
            return _error(413, "request body too large (limit 5 MiB)")
        if not verify_signature(body, request.headers.get("x-pagerduty-signature"), secrets):
            metrics.deliveries.labels(outcome="bad_signature").inc()
            return _error(401, "missing or invalid X-PagerDuty-Signature")
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            metrics.deliveries.labels(outcome="malformed").inc()
            return _error(400, "the body is not JSON")
        kind = _event_type(data)
        if kind not in event_types:
            metrics.deliveries.labels(outcome="ignored").inc()
            return JSONResponse({"status": "ignored", "event_type": kind}, status_code=202)
        try:
            event = parse_payload(data)
        except InvalidPayloadError as error:
            metrics.deliveries.labels(outcome="malformed").inc()
            return _error(400, str(error))
        try:
            # Inline, not in a thread pool: the insert takes a fraction of a millisecond, and the
            # thread hop doubled the receiver's cost and its p99 (benchmarks/receiver.py).
            delivery_id, created = store.add_delivery(
                webhook_id=request.headers.get("x-webhook-id"),
                event_id=event.event_id or None,
                incident_id=event.incident_id,
                event_type=kind,
                payload=body.decode(),
                queued=True,
                enqueue=enqueue,
            )
        except StoreUnavailableError:
            metrics.deliveries.labels(outcome="store_unavailable").inc()
            return _error(503, "the delivery could not be stored; please retry")
        if not created:
            metrics.deliveries.labels(outcome="duplicate").inc()
            return JSONResponse({"status": "duplicate"}, status_code=202)
        metrics.deliveries.labels(outcome="queued").inc()
        on_queued()
        return JSONResponse({"status": "queued", "delivery": delivery_id}, status_code=202)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        ready = await run_in_threadpool(store.ping)
        return JSONResponse(
            {"status": "ready" if ready else "store unreachable"}, status_code=200 if ready else 503
        )

    @app.get("/metrics")
    async def prometheus() -> Response:
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    def authorized(request: Request) -> bool:
        given = request.headers.get("authorization") or ""
        return api_token is None or hmac.compare_digest(
            given.encode(), f"Bearer {api_token}".encode()
        )

    @app.get("/runs")
    async def runs(
        request: Request, cluster: str | None = None, incident: str | None = None, limit: int = 50
    ) -> JSONResponse:
        if not authorized(request):
            return _error(401, "a valid bearer token is required")
        found = await run_in_threadpool(
            store.runs, cluster=cluster, incident=incident, limit=max(1, min(limit, 500))
        )
        return JSONResponse({"runs": found})

    @app.get("/runs/{run_id}")
    async def run(request: Request, run_id: int) -> JSONResponse:
        if not authorized(request):
            return _error(401, "a valid bearer token is required")
        found = await run_in_threadpool(store.run, run_id)
        return JSONResponse(found) if found is not None else _error(404, f"no run {run_id}")

    return app
