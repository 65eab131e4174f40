"""No accepted incident ends with nobody told: odd input, crashes and store outages still end
in a note and an escalation (issue 13, items 2 and 3)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from cad.clients.ocm.models import Cluster
from cad.simulators.sandbox import Sandbox
from cad.webhook.signature import sign
from tests.service.test_service import CLUSTER, SECRET, STOPPED, Start, seed, wait_for_runs

UNHANDLED = "SomethingCADCannotHandle CRITICAL (1)"


def post(url: str, body: bytes, webhook_id: str) -> int:
    headers = {
        "X-PagerDuty-Signature": sign(body, SECRET),
        "X-Webhook-Id": webhook_id,
        "Content-Type": "application/json",
    }
    return httpx.post(
        f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10
    ).status_code


def unhandled_incident(sandbox: Sandbox, incident: str) -> None:
    seed(sandbox)
    sandbox.create_incident(incident, UNHANDLED, alerts=[{"cluster_id": CLUSTER}])


def test_a_signed_body_with_a_byte_order_mark_reaches_a_note_and_an_escalation(
    sandbox: Sandbox, start: Start
) -> None:
    # Given an incident CAD has no automation for, delivered with a UTF-8 byte-order mark
    unhandled_incident(sandbox, "Q1")
    service, url = start(workers=1)
    body = b"\xef\xbb\xbf" + json.dumps(sandbox.pagerduty.webhook_payload("Q1")).encode()
    # When the signed body is posted
    assert post(url, body, "bom") == 202
    # Then the run reads it like any other: a note, an escalation
    runs = wait_for_runs(service, 1)
    assert [r.status for r in runs] == ["unhandled"]
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1
    assert incident.escalation_level == 2
    assert service.store.deliveries.counts() == {"done": 1}


def test_an_odd_field_type_in_pagerdutys_answer_is_a_named_error_noted_and_escalated(
    sandbox: Sandbox, start: Start
) -> None:
    # Given an Event Orchestration delivery, and PagerDuty answering the incident's read
    # with a service that is a string
    unhandled_incident(sandbox, "Q1")
    odd = {"incident": {"id": "Q1", "title": UNHANDLED, "service": "not-an-object"}}
    sandbox.inject("pagerduty", method="GET", path="/incidents/Q1", body=json.dumps(odd), times=1)
    service, url = start(workers=1, worker_max_retries=0)
    body = json.dumps(
        sandbox.pagerduty.webhook_payload("Q1", payload_format="event_orchestration")
    ).encode()
    # When it is posted
    assert post(url, body, "odd") == 202
    # Then the error names the field, and the incident gets a note saying so and an escalation
    runs = wait_for_runs(service, 1)
    assert runs[0].status == "failed"
    assert "the incident's service is a str, not an object" in str(runs[0].error)
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1
    assert "the incident's service is a str, not an object" in incident.notes[0]["content"]
    assert incident.escalation_level == 2


class CrashingOcm:
    """The OCM reader with a bug: finding a cluster raises what no client ever should."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def find_cluster(self, identifier: str) -> Cluster:
        raise KeyError("a bug in CAD")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_crashed_run_notes_the_crash_with_its_run_id_and_escalates_at_once(
    sandbox: Sandbox, start: Start
) -> None:
    # Given a controller whose cluster lookup crashes (a CAD bug, not a transient failure)
    seed(sandbox, aws=STOPPED)
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
    )
    service, url = start(workers=1, start_workers=False)
    deps = service.runtime.built.controller.deps
    deps.ocm = CrashingOcm(deps.ocm)  # type: ignore[assignment]
    assert service.workers is not None
    service.workers.start()
    # When a delivery runs
    body = json.dumps(sandbox.pagerduty.webhook_payload("Q1")).encode()
    assert post(url, body, "crash") == 202
    # Then the one run is recorded as failed, with the crash, and not retried
    runs = wait_for_runs(service, 1)
    assert len(runs) == 1
    assert runs[0].status == "failed"
    assert "KeyError" in str(runs[0].error)
    # And the incident says which run crashed, and is with a human
    incident = sandbox.pagerduty.incident("Q1")
    assert len(incident.notes) == 1
    assert f"CAD crashed during run {runs[0].id} (KeyError)" in incident.notes[0]["content"]
    assert incident.escalation_level == 2
    assert service.store.deliveries.counts() == {"failed": 1}
    scraped = httpx.get(f"{url}/metrics", timeout=10).text
    assert 'cad_runs_total{status="crashed"} 1.0' in scraped
