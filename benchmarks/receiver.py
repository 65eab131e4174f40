"""Receiver benchmark: signed deliveries stored before the answer, against a bare FastAPI
endpoint measured in the same run (the ratio is the figure; goal >= 0.5 of bare on SQLite).

Four client threads with keep-alive connections post unique deliveries to one uvicorn
process on 127.0.0.1.
"""

from __future__ import annotations

import json
import multiprocessing
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from tests.postgres import PostgresUnavailableError, scratch_database

from cad.metrics import ServiceMetrics
from cad.simulators.server import ServerThread
from cad.store import Store, upgrade
from cad.webhook.app import create_app
from cad.webhook.signature import sign
from cad.worker.queue import IncidentQueue

SECRET = "bench-secret"  # noqa: S105  # a benchmark's own secret
REQUESTS = 800
THREADS = 4


def payload(n: int) -> bytes:
    return json.dumps(
        {
            "event": {
                "id": f"evt-{n}-{uuid.uuid4().hex[:6]}",
                "event_type": "incident.triggered",
                "data": {
                    "id": f"Q{n % 50}",
                    "title": "ClusterHasGoneMissing CRITICAL (1)",
                    "html_url": "https://x/incidents/Q",
                    "service": {"id": "P", "summary": "dms"},
                },
            }
        }
    ).encode()


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/pagerduty")
    async def receive(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"status": "queued"}, status_code=202)

    return app


def load(url: str) -> tuple[float, list[float]]:
    bodies = [payload(n) for n in range(REQUESTS)]
    latencies: list[float] = []
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        # Like curl and most HTTP clients, send without Nagle's delay (else every POST waits
        # for the server's delayed ACK: ~40 ms).
        transport = httpx.HTTPTransport(
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        )
        with httpx.Client(timeout=30, transport=transport) as http:
            for body in share:
                headers = {
                    "X-PagerDuty-Signature": sign(body, SECRET),
                    "X-Webhook-Id": uuid.uuid4().hex,
                }
                started = time.perf_counter()
                answer = http.post(f"{url}/webhooks/pagerduty", content=body, headers=headers)
                elapsed = time.perf_counter() - started
                assert answer.status_code == 202, answer.text
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=client, args=(bodies[i::THREADS],)) for i in range(THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return REQUESTS / (time.perf_counter() - started), latencies


def _load_in_process(url: str, queue: multiprocessing.Queue[tuple[float, list[float]]]) -> None:
    queue.put(load(url))


def load_from_another_process(url: str) -> tuple[float, list[float]]:
    """Run the load generator in its own process, so it does not share the server's GIL."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[float, list[float]]] = context.Queue()
    process = context.Process(target=_load_in_process, args=(url, queue))
    process.start()
    result = queue.get(timeout=300)
    process.join(timeout=30)
    return result


def measure(name: str, app_factory: Callable[[], FastAPI]) -> float:
    server = ServerThread(app_factory()).start()
    try:
        load_from_another_process(server.url)  # warm up connections and code paths
        rate, latencies = load_from_another_process(server.url)
    finally:
        server.stop()
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = cuts[49] * 1000, cuts[98] * 1000
    print(f"  {name:<34} {rate:7.0f} deliveries/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
    return rate


def cad_app(url: str) -> Callable[[], FastAPI]:
    """The receiver as ``serve`` builds it: on PostgreSQL each delivery's incident job is
    queued in the delivery's transaction."""
    upgrade(url)
    store = Store(url)
    return lambda: create_app(
        store=store,
        secrets=[SECRET],
        event_types={"incident.triggered"},
        metrics=ServiceMetrics(CollectorRegistry(), store.deliveries.depth),
        enqueue=None if store.is_sqlite else IncidentQueue(),
    )


def main() -> None:
    print(
        f"Receiver: {REQUESTS} signed deliveries from {THREADS} client threads, one uvicorn process"
    )
    bare = measure("bare FastAPI endpoint", bare_app)
    with tempfile.TemporaryDirectory() as folder:
        sqlite = measure(
            "CAD receiver, SQLite", cad_app(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        )
    print(f"  ratio SQLite / bare: {sqlite / bare:.2f} (goal >= 0.5)")
    try:
        with scratch_database("cad_bench") as url:
            postgres = measure("CAD receiver, PostgreSQL + job", cad_app(url))
    except PostgresUnavailableError:
        print("  PostgreSQL: not reachable on 127.0.0.1:5432, skipped")
        return
    print(f"  ratio PostgreSQL / bare: {postgres / bare:.2f}")


if __name__ == "__main__":
    main()
