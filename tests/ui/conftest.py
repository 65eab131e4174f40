"""A receiver serving the web UI over a real socket, on a seeded SQLite history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from cad.metrics import ServiceMetrics
from cad.simulators.server import ServerThread
from cad.store import Store
from cad.webhook.app import create_app
from tests.databases import fresh_store, sqlite_url
from tests.ui.seed import Seeded, seed_history

TOKEN = "ui-token-5f1c9a"


@dataclass(frozen=True)
class Receiver:
    url: str
    store: Store
    seeded: Seeded


def status_report() -> dict[str, Any]:
    return {
        "engine": "embedded",
        "queue_depth": 3,
        "running": 1,
        "stalled": 1,
        "failed": 0,
        "workers": {
            "worker-a": {"running": 1, "stalled": 0},
            "worker-b": {"running": 0, "stalled": 1},
        },
        "deliveries": {"queued": 3, "processing": 2},
        "runs": {"failed": 1, "succeeded": 1, "running": 1},
        "budget": {"limited_support": {"used": 2, "limit": 20}},
    }


def serve(store: Store, **options: Any) -> ServerThread:
    metrics = ServiceMetrics(CollectorRegistry(), store.deliveries.depth)
    app = create_app(
        store=store,
        secrets=["s"],
        event_types={"incident.triggered"},
        metrics=metrics,
        **options,
    )
    return ServerThread(app).start()


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receiver]:
    store = fresh_store(sqlite_url(Path(tmp_path_factory.mktemp("ui"))))
    seeded = seed_history(store)
    server = serve(store, api_token=TOKEN, status=status_report)
    yield Receiver(server.url, store, seeded)
    server.stop()
    store.close()
