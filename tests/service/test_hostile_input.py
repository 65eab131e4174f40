"""Signed but hostile deliveries and history queries: a 4xx naming the problem, the same on
SQLite and PostgreSQL, and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from cad.metrics import ServiceMetrics
from cad.simulators.server import ServerThread
from cad.store import Store
from cad.webhook.app import create_app
from cad.webhook.signature import sign

SECRET = "hostile-secret"  # the test's own
TOKEN = "history-token"  # the test's own
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def payload(incident_id: str = "Q1", event_id: str = "evt-1") -> dict[str, Any]:
    return {
        "event": {
            "id": event_id,
            "event_type": "incident.triggered",
            "data": {
                "id": incident_id,
                "title": "ClusterHasGoneMissing CRITICAL (1)",
                "html_url": "https://x.pagerduty.com/incidents/Q1",
                "service": {"id": "PSVC", "summary": "dms"},
            },
        }
    }


@pytest.fixture
def receiver(store: Store) -> Iterator[tuple[str, Store]]:
    app = create_app(
        store=store,
        secrets=[SECRET],
        event_types={"incident.triggered"},
        metrics=ServiceMetrics(CollectorRegistry(), store.deliveries.depth),
        api_token=TOKEN,
    )
    server = ServerThread(app).start()
    yield server.url, store
    server.stop()


def deliver(url: str, body: bytes, webhook_id: str = "wh-1") -> httpx.Response:
    headers = {"X-PagerDuty-Signature": sign(body, SECRET), "X-Webhook-Id": webhook_id}
    return httpx.post(f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10)


NESTED = b'{"event": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

HOSTILE_BODIES = {
    "lone-surrogate": (
        json.dumps(payload(incident_id="Q\ud800")).encode(),
        "the incident id is not valid Unicode (a lone surrogate)",
    ),
    "utf-16": (json.dumps(payload()).encode("utf-16"), "the body is not UTF-8 text"),
    "nested-100000-deep": (NESTED, "the body's JSON is nested too deeply"),
    "long-incident-id": (
        json.dumps(payload(incident_id="Q" * 101)).encode(),
        "the incident id is longer than 100 characters",
    ),
    "nul-incident-id": (
        json.dumps(payload(incident_id="Q\x001")).encode(),
        "the incident id contains a NUL character",
    ),
    "long-event-id": (
        json.dumps(payload(event_id="e" * 201)).encode(),
        "the event id is longer than 200 characters",
    ),
    "nul-event-id": (
        json.dumps(payload(event_id="evt\x00")).encode(),
        "the event id contains a NUL character",
    ),
}


@pytest.mark.parametrize(("body", "problem"), HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_a_hostile_signed_delivery_is_refused_with_the_problem_named(
    receiver: tuple[str, Store], body: bytes, problem: str
) -> None:
    url, store = receiver
    answer = deliver(url, body)
    assert (answer.status_code, answer.json()) == (400, {"error": problem})
    assert store.deliveries.counts() == {}


def test_a_webhook_id_longer_than_the_store_keeps_is_refused(receiver: tuple[str, Store]) -> None:
    url, store = receiver
    answer = deliver(url, json.dumps(payload()).encode(), webhook_id="w" * 201)
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": "the X-Webhook-Id header is longer than 200 characters"},
    )
    assert store.deliveries.counts() == {}


@pytest.mark.parametrize("run_id", ["2147483648", "99999999999999999999", "0"])
def test_a_run_id_out_of_range_is_not_found(receiver: tuple[str, Store], run_id: str) -> None:
    url, _ = receiver
    answer = httpx.get(f"{url}/runs/{run_id}", headers=AUTH, timeout=10)
    assert answer.status_code == 404
    assert answer.json() == {"error": f"no run {run_id} (run ids are 1 to 2147483647)"}


@pytest.mark.parametrize("name", ["cluster", "incident"])
def test_a_nul_in_a_history_filter_is_refused(receiver: tuple[str, Store], name: str) -> None:
    url, _ = receiver
    answer = httpx.get(f"{url}/runs", params={name: "a\x00b"}, headers=AUTH, timeout=10)
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": f"the {name} filter contains a NUL character"},
    )
