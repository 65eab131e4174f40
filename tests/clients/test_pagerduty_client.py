"""PagerDuty: payloads, cluster-id extraction, and the official client against the
simulator over TLS."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from cad.clients.factory import Clients
from cad.clients.pagerduty import (
    InvalidPayloadError,
    NoClusterIdError,
    PagerDutyConnection,
    PagerDutyReader,
    cluster_id_from_alerts,
    decode_payload,
    parse_payload,
)
from cad.errors import (
    AuthenticationError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from cad.simulators.sandbox import Sandbox

WEBHOOK = {
    "event": {
        "id": "5ac64822-4adc-4fda-ade0-410becf0de4f",
        "event_type": "incident.triggered",
        "resource_type": "incident",
        "data": {
            "id": "Q2I4AV3ZURABC",
            "type": "incident",
            "title": "ClusterHasGoneMissing CRITICAL (1)",
            "html_url": "https://acme.pagerduty.com/incidents/Q2I4AV3ZURABC",
            "service": {
                "id": "PF9KMXH",
                "type": "service_reference",
                "summary": "prod-deadmanssnitch",
            },
        },
    }
}


def test_a_webhook_v3_payload_names_the_incident_and_its_service() -> None:
    event = parse_payload(WEBHOOK)
    assert event.format == "webhook_v3"
    assert event.incident_id == "Q2I4AV3ZURABC"
    assert event.title == "ClusterHasGoneMissing CRITICAL (1)"
    assert (event.service_id, event.service_summary) == ("PF9KMXH", "prod-deadmanssnitch")
    assert event.event_type == "incident.triggered"


def test_an_event_orchestration_payload_carries_only_the_incident_id() -> None:
    event = parse_payload({"__pd_metadata": {"incident": {"id": "Q0OGN8S5WIM0FX"}}, "other": 1})
    assert (event.format, event.incident_id, event.title) == (
        "event_orchestration",
        "Q0OGN8S5WIM0FX",
        "",
    )


def test_payloads_arrive_as_raw_json_or_base64() -> None:
    raw = json.dumps(WEBHOOK)
    assert decode_payload(raw) == WEBHOOK
    assert decode_payload(base64.b64encode(raw.encode()).decode() + "\n") == WEBHOOK


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "the payload is empty"),
        ("%%%not-base64", "neither JSON nor base64"),
        ("{broken", "not valid JSON"),
    ],
)
def test_undecodable_payloads_say_what_is_wrong(payload: str, message: str) -> None:
    with pytest.raises(InvalidPayloadError, match=message):
        decode_payload(payload)


def test_a_webhook_missing_fields_names_each_missing_field() -> None:
    broken = json.loads(json.dumps(WEBHOOK))
    del broken["event"]["data"]["title"]
    broken["event"]["data"]["service"]["summary"] = ""
    with pytest.raises(
        InvalidPayloadError, match=r"lacks event\.data\.title, event\.data\.service\.summary"
    ):
        parse_payload(broken)
    with pytest.raises(InvalidPayloadError, match="neither a WebhookV3"):
        parse_payload({"hello": "world"})


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"cluster_id": "abc123"}, "abc123"),
        ({"notes": "cluster_id: legacy-1\nother: x"}, "legacy-1"),
        ({"firing": "Labels:\n - alertname = X\n - cluster_id = hcp-42\n"}, "hcp-42"),
        ({"firing": "hosted_cluster_id = nope\n cluster_id = yes-1"}, "yes-1"),
    ],
    ids=["details.cluster_id", "notes-yaml", "firing-text", "firing-not-hosted"],
)
def test_the_cluster_id_is_found_the_three_ways_the_original_does(
    details: dict[str, str], expected: str
) -> None:
    assert cluster_id_from_alerts([{"body": {"details": details}}]) == expected


def test_no_cluster_id_is_a_clear_error() -> None:
    with pytest.raises(NoClusterIdError, match="no alert names a cluster"):
        cluster_id_from_alerts([{"body": {"details": {"firing": "hosted_cluster_id = x"}}}])
    with pytest.raises(NoClusterIdError, match="has no alerts"):
        cluster_id_from_alerts([])
    with pytest.raises(NoClusterIdError, match="not an object"):
        cluster_id_from_alerts([{"body": {"details": "text"}}])


@pytest.fixture
def incident(sandbox: Sandbox) -> str:
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": "c-1"}]
    )
    return "Q1"


def test_the_incident_and_its_alerts_are_read_over_tls(
    sandbox: Sandbox, clients: Clients, incident: str
) -> None:
    assert clients.pagerduty is not None
    details = clients.pagerduty.get_incident(incident)
    assert details.title == "ClusterHasGoneMissing CRITICAL (1)"
    assert (details.service_id, details.service_summary) == ("PSVC001", "osd-deadmanssnitch")
    assert clients.pagerduty.cluster_id(incident) == "c-1"


def test_all_pages_of_alerts_are_read(sandbox: Sandbox, clients: Clients) -> None:
    sandbox.create_incident(
        "Q9", "t", alerts=[{"n": str(i)} for i in range(130)] + [{"cluster_id": "late"}]
    )
    assert clients.pagerduty is not None
    assert len(clients.pagerduty.list_alerts("Q9")) == 131
    assert clients.pagerduty.cluster_id("Q9") == "late"


def test_notes_silence_escalation_and_title_change_the_incident(
    sandbox: Sandbox, clients: Clients, incident: str
) -> None:
    writer = clients.pagerduty_writer
    assert writer is not None
    writer.add_note(incident, "🤖 hello")
    writer.update_title(incident, "[CAD Investigated] ClusterHasGoneMissing CRITICAL (1)")
    writer.escalate(incident)
    sim = sandbox.pagerduty.incident(incident)
    assert [n["content"] for n in sim.notes] == ["🤖 hello"]
    assert sim.notes[0]["user"]["summary"].startswith("sd-sre-platform")  # the From address
    assert sim.escalation_level == 2
    writer.silence(incident)
    assert sim.escalation_policy_id == "PSILENT"
    assert sim.title.startswith("[CAD Investigated]")
    state = writer.get_incident(incident)
    assert state.escalation_policy_id == writer.silent_policy_id


def test_a_resolved_incident_is_left_alone_without_an_error(
    sandbox: Sandbox, clients: Clients, incident: str
) -> None:
    sandbox.pagerduty.incident(incident).status = "resolved"
    assert clients.pagerduty_writer is not None
    clients.pagerduty_writer.silence(incident)
    clients.pagerduty_writer.escalate(incident)
    assert sandbox.pagerduty.incident(incident).escalation_policy_id == "PORIGINAL"
    assert len(sandbox.pagerduty.writes) == 0


def test_a_429_is_raised_at_once_with_the_reset_time_and_not_retried_by_the_client(
    sandbox: Sandbox, clients: Clients, incident: str
) -> None:
    sandbox.inject("pagerduty", method="POST", path="/incidents/*/notes", status=429, times=1)
    assert clients.pagerduty_writer is not None
    with pytest.raises(RateLimitedError) as caught:
        clients.pagerduty_writer.add_note(incident, "x")
    assert caught.value.retry_after == 30.0
    assert caught.value.code == "2020"
    assert sandbox.pagerduty.incident(incident).notes == []
    clients.pagerduty_writer.add_note(incident, "x")  # the fault was used up: one attempt only
    assert len(sandbox.pagerduty.incident(incident).notes) == 1


def test_a_503_carrying_the_usual_rate_limit_headers_is_not_a_half_minute_wait(
    sandbox: Sandbox, clients: Clients, incident: str
) -> None:
    sandbox.inject("pagerduty", method="POST", path="/incidents/*/notes", status=503, times=1)
    assert clients.pagerduty_writer is not None
    with pytest.raises(ServerError) as caught:
        clients.pagerduty_writer.add_note(incident, "x")
    assert caught.value.retry_after is None  # ratelimit-reset: 30 is a 429's wait only


def test_server_errors_network_failures_and_bad_answers_have_their_types(
    sandbox: Sandbox, clients: Clients, incident: str
) -> None:
    assert clients.pagerduty is not None
    sandbox.inject("pagerduty", method="GET", path="/incidents/Q1", status=500, times=1)
    with pytest.raises(ServerError):
        clients.pagerduty.get_incident(incident)
    sandbox.inject("pagerduty", method="GET", path="/incidents/Q1", drop=True, times=1)
    with pytest.raises(NetworkError):
        clients.pagerduty.get_incident(incident)
    sandbox.inject(
        "pagerduty", method="GET", path="/incidents/Q1", body='{"incident": []}', times=1
    )
    with pytest.raises(MalformedResponseError):
        clients.pagerduty.get_incident(incident)
    with pytest.raises(NotFoundError):
        clients.pagerduty.get_incident("QNOPE")


@pytest.fixture
def wrong_token(sandbox: Sandbox) -> Iterator[PagerDutyReader]:
    conn = PagerDutyConnection(
        "not-the-token",
        base_url=sandbox.pagerduty_url,
        from_email="x@example.com",
        verify=str(sandbox.cert_path),
    )
    yield PagerDutyReader(conn)
    conn.close()


def test_a_wrong_token_is_an_authentication_error(
    wrong_token: PagerDutyReader, incident: str
) -> None:
    with pytest.raises(AuthenticationError):
        wrong_token.get_incident(incident)


def test_the_self_signed_certificate_is_refused_without_its_ca_bundle(
    sandbox: Sandbox, incident: str
) -> None:
    conn = PagerDutyConnection(
        sandbox.pagerduty.token, base_url=sandbox.pagerduty_url, from_email="x@example.com"
    )
    with pytest.raises(NetworkError):
        PagerDutyReader(conn).get_incident(incident)
    conn.close()
