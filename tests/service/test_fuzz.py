"""Property-based fuzzing of the webhook endpoint: whatever arrives, never a 500."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from cad.metrics import ServiceMetrics
from cad.webhook.app import create_app
from cad.webhook.signature import sign
from tests.databases import fresh_store, sqlite_url

SECRET = "fuzz-secret"


def ascii_text(size: int) -> st.SearchStrategy[str]:
    """Header values an HTTP client can send (printable ASCII)."""
    return st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=size)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
events = st.fixed_dictionaries(
    {
        "event": st.fixed_dictionaries(
            {
                "event_type": st.sampled_from(["incident.triggered", "pagey.ping", ""]),
                "id": st.text(max_size=8),
                "data": json_values,
            }
        )
    }
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    events.map(lambda v: json.dumps(v).encode()),
)


def test_the_webhook_never_answers_500(tmp_path: Path) -> None:
    store = fresh_store(sqlite_url(tmp_path))
    app = create_app(
        store=store,
        secrets=[SECRET],
        event_types={"incident.triggered"},
        metrics=ServiceMetrics(CollectorRegistry(), store.deliveries.depth),
    )
    client = TestClient(app)

    @settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        body=bodies,
        signed=st.booleans(),
        header=ascii_text(80),
        webhook_id=ascii_text(20),
    )
    def check(body: bytes, signed: bool, header: str, webhook_id: str) -> None:
        headers = {
            "X-PagerDuty-Signature": sign(body, SECRET) if signed else header,
            "X-Webhook-Id": webhook_id,
        }
        answer = client.post("/webhooks/pagerduty", content=body, headers=headers)
        assert answer.status_code in (202, 400, 401, 413), (answer.status_code, answer.text)

    try:
        check()
    finally:
        client.close()
        store.close()
