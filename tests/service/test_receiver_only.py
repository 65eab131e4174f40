"""`cadctl serve --workers 0` on PostgreSQL: an internet-facing receiver that runs nothing
itself, so it needs the webhook secrets and the database, and no other credential."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from cad.webhook.signature import sign
from tests.cli.serving import serving
from tests.cli.test_cadctl import CLEAN_ENV, cadctl
from tests.databases import postgres_database

SECRET = "receiver-only-webhook-secret-0123"
PAYLOAD = {
    "event": {
        "id": "evt-receiver-only",
        "event_type": "incident.triggered",
        "data": {
            "id": "QRECV1",
            "title": "ClusterHasGoneMissing CRITICAL (1)",
            "html_url": "https://x.pagerduty.com/incidents/QRECV1",
            "service": {"id": "PSVC", "summary": "dms"},
        },
    }
}


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    yield from postgres_database()


def only_the_receivers_settings(database: str) -> dict[str, str]:
    """The receiver's environment: the database and the webhook secrets, nothing else of CAD
    (no OCM, PagerDuty or backplane credentials)."""
    return {**CLEAN_ENV, "CAD_DATABASE_URL": database, "CAD_PD_WEBHOOK_SECRETS": SECRET}


def test_a_receiver_with_only_the_webhook_secrets_and_the_database_starts_and_queues(
    database: str,
) -> None:
    # Given only the webhook secrets and a PostgreSQL URL
    env = only_the_receivers_settings(database)
    # When `cadctl serve --workers 0` starts
    with serving("--workers", "0", env=env) as served:
        # Then it is ready, and a signed delivery is stored and its job queued
        assert httpx.get(f"{served.url}/readyz", timeout=10).status_code == 200
        body = json.dumps(PAYLOAD).encode()
        answer = httpx.post(
            f"{served.url}/webhooks/pagerduty",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-PagerDuty-Signature": sign(body, SECRET),
                "X-Webhook-Id": "wh-receiver-only",
            },
            timeout=10,
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "queued"
        scraped = httpx.get(f"{served.url}/metrics", timeout=10).text
        assert "cad_webhook_deliveries_total" in scraped
        assert "cad_build_info{" in scraped
    assert not served.said("missing required settings")
    assert not served.said("Traceback")
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            jobs = conn.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert jobs == 1  # for a `cadctl worker` to run


def test_a_receiver_without_webhook_secrets_is_refused_naming_them(database: str) -> None:
    env = {**CLEAN_ENV, "CAD_DATABASE_URL": database}
    done = cadctl("serve", "--workers", "0", env=env)
    assert done.returncode == 2
    assert "CAD_PD_WEBHOOK_SECRETS" in done.stderr
    assert "CAD_OCM_CLIENT_ID" not in done.stderr


def test_a_receiver_that_runs_deliveries_itself_still_needs_the_credentials(
    database: str,
) -> None:
    # With a queue worker in the process, it runs investigations: it needs their credentials.
    done = cadctl("serve", "--workers", "1", env=only_the_receivers_settings(database))
    assert done.returncode == 2
    assert "missing required settings: CAD_OCM_CLIENT_ID" in done.stderr
    assert "Traceback" not in done.stderr
