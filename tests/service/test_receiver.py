"""The receiver over a real socket: signatures, limits, formats, persistence, history API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from cad.metrics import ServiceMetrics
from cad.simulators.server import ServerThread
from cad.store import Store
from cad.webhook.app import MAX_BODY, create_app
from cad.webhook.signature import sign, verify_signature

SECRETS = ["old-secret", "new-secret"]
PAYLOAD = {
    "event": {
        "id": "evt-1",
        "event_type": "incident.triggered",
        "data": {
            "id": "Q1",
            "title": "ClusterHasGoneMissing CRITICAL (1)",
            "html_url": "https://x.pagerduty.com/incidents/Q1",
            "service": {"id": "PSVC", "summary": "dms"},
        },
    }
}


@pytest.fixture
def receiver(sqlite_store: Store) -> Iterator[tuple[str, Store, ServiceMetrics]]:
    metrics = ServiceMetrics(CollectorRegistry(), sqlite_store.deliveries.depth)
    app = create_app(
        store=sqlite_store,
        secrets=SECRETS,
        event_types={"incident.triggered"},
        metrics=metrics,
        api_token="api-token-123",
    )
    server = ServerThread(app).start()
    yield server.url, sqlite_store, metrics
    server.stop()


def post(
    url: str, body: bytes, signature: str | None = None, webhook_id: str = "wh-1"
) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Webhook-Id": webhook_id}
    if signature is not None:
        headers["X-PagerDuty-Signature"] = signature
    return httpx.post(f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10)


def body_of(payload: dict[str, object] = PAYLOAD) -> bytes:
    return json.dumps(payload).encode()


def test_a_signed_delivery_is_stored_then_acknowledged(
    receiver: tuple[str, Store, ServiceMetrics],
) -> None:
    url, store, _ = receiver
    answer = post(url, body_of(), sign(body_of(), "new-secret"))
    assert answer.status_code == 202
    assert answer.json()["status"] == "queued"
    assert store.deliveries.depth() == 1


@pytest.mark.parametrize(
    "header",
    [None, "v1=deadbeef", "v0=" + "0" * 64, "", "garbage"],
    ids=["missing", "wrong", "other-scheme", "empty", "garbage"],
)
def test_a_bad_or_missing_signature_is_401_and_nothing_is_stored(
    receiver: tuple[str, Store, ServiceMetrics], header: str | None
) -> None:
    url, store, _ = receiver
    answer = post(url, body_of(), header)
    assert answer.status_code == 401
    assert store.deliveries.depth() == 0


def test_rotated_secrets_and_several_entries_with_spaces_are_accepted() -> None:
    body = body_of()
    assert verify_signature(body, sign(body, "old-secret"), SECRETS)
    several = f"v1={'0' * 64}, {sign(body, 'new-secret')}"
    assert verify_signature(body, several, SECRETS)
    assert not verify_signature(body, several, ["third-secret"])
    assert not verify_signature(body, sign(body, "new-secret"), [])


def test_an_empty_body_is_refused(receiver: tuple[str, Store, ServiceMetrics]) -> None:
    url, store, _ = receiver
    assert post(url, b"", None).status_code == 401
    assert post(url, b"", sign(b"", "new-secret")).status_code == 400
    assert store.deliveries.depth() == 0


def test_a_body_over_5_mib_is_413(receiver: tuple[str, Store, ServiceMetrics]) -> None:
    url, store, _ = receiver
    body = b"{" + b" " * MAX_BODY + b"}"
    assert post(url, body, sign(body, "new-secret")).status_code == 413
    assert store.deliveries.depth() == 0


def test_malformed_json_is_400(receiver: tuple[str, Store, ServiceMetrics]) -> None:
    url, _, _ = receiver
    body = b"{not json"
    answer = post(url, body, sign(body, "new-secret"))
    assert answer.status_code == 400
    assert answer.json() == {"error": "the body is not JSON"}


def test_other_event_types_are_acknowledged_counted_and_not_queued(
    receiver: tuple[str, Store, ServiceMetrics],
) -> None:
    url, store, metrics = receiver
    payload = json.loads(body_of())
    payload["event"]["event_type"] = "incident.acknowledged"
    ping = {
        "event": {
            "id": "p",
            "event_type": "pagey.ping",
            "data": {"message": "Hello", "type": "ping"},
        }
    }
    for item in (payload, ping):
        body = body_of(item)
        answer = post(url, body, sign(body, "new-secret"), webhook_id=item["event"]["id"])  # type: ignore[index]
        assert answer.status_code == 202
        assert answer.json()["status"] == "ignored"
    assert store.deliveries.depth() == 0
    assert (
        metrics.registry.get_sample_value("cad_webhook_deliveries_total", {"outcome": "ignored"})
        == 2
    )


def test_the_same_delivery_posted_ten_times_is_stored_once(
    receiver: tuple[str, Store, ServiceMetrics],
) -> None:
    url, store, metrics = receiver
    body = body_of()
    statuses = [post(url, body, sign(body, "new-secret")).json()["status"] for _ in range(10)]
    assert statuses == ["queued"] + ["duplicate"] * 9
    assert store.deliveries.counts() == {"queued": 1}
    assert (
        metrics.registry.get_sample_value("cad_webhook_deliveries_total", {"outcome": "duplicate"})
        == 9
    )


def test_a_store_failure_answers_503_and_a_later_retry_succeeds(
    receiver: tuple[str, Store, ServiceMetrics],
) -> None:
    url, store, _ = receiver
    body = body_of()
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE deliveries RENAME TO deliveries_away"))
    assert post(url, body, sign(body, "new-secret")).status_code == 503
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE deliveries_away RENAME TO deliveries"))
    assert post(url, body, sign(body, "new-secret")).status_code == 202
    assert store.deliveries.depth() == 1


def test_health_readiness_and_metrics(
    receiver: tuple[str, Store, ServiceMetrics], tmp_path: object
) -> None:
    url, _, _ = receiver
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{url}/readyz").status_code == 200
    metrics = httpx.get(f"{url}/metrics").text
    assert "cad_queue_depth" in metrics
    broken = Store("sqlite:////nonexistent/dir/cad.sqlite")
    app = create_app(
        store=broken,
        secrets=SECRETS,
        event_types=set(),
        metrics=ServiceMetrics(CollectorRegistry(), broken.deliveries.depth),
    )
    server = ServerThread(app).start()
    try:
        assert httpx.get(f"{server.url}/readyz").status_code == 503
    finally:
        server.stop()
        broken.close()


def test_history_needs_the_api_token_and_the_webhook_does_not(
    receiver: tuple[str, Store, ServiceMetrics],
) -> None:
    url, _store, _ = receiver
    assert httpx.get(f"{url}/runs").status_code == 401
    assert httpx.get(f"{url}/runs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": "Bearer api-token-123"}
    assert httpx.get(f"{url}/runs", headers=auth).json() == {"runs": []}
    by_organization = {"organization": "org-1"}
    assert httpx.get(f"{url}/runs", headers=auth, params=by_organization).json() == {"runs": []}
    refused = httpx.get(f"{url}/runs", headers=auth, params={"organization": "org\x00"})
    assert refused.status_code == 400
    assert "organization filter contains a NUL" in refused.text
    assert httpx.get(f"{url}/runs/42", headers=auth).status_code == 404
    body = body_of()
    assert post(url, body, sign(body, "old-secret")).status_code == 202
