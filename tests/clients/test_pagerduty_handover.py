"""The PagerDuty calls an escalation from the silent policy makes: the service's policy
(``GET /services/{id}``) and moving the incident to another policy, over TLS."""

from __future__ import annotations

import pytest

from cad.clients.factory import Clients
from cad.errors import MalformedResponseError, OutcomeUnknownError
from cad.simulators.sandbox import Sandbox


def test_the_incidents_service_policy_is_read_and_the_incident_moved_back_to_it(
    sandbox: Sandbox, clients: Clients
) -> None:
    # Given an incident of a service routed to PTEAM, silenced by CAD
    sandbox.pagerduty.policies["PTEAM"] = 3
    sandbox.pagerduty.services["PSVC9"] = "PTEAM"
    sandbox.create_incident("Q1", "t", service_id="PSVC9", service_summary="svc")
    writer = clients.pagerduty_writer
    assert writer is not None
    writer.silence("Q1")
    # When CAD looks up the service's policy and moves the incident there
    policy = writer.service_escalation_policy("Q1")
    writer.reassign("Q1", policy)
    writer.escalate("Q1")
    # Then the incident is on the service's policy, escalated
    incident = sandbox.pagerduty.incident("Q1")
    assert (policy, incident.escalation_policy_id, incident.escalation_level) == (
        "PTEAM",
        "PTEAM",
        2,
    )
    paths = [(w.method, w.path) for w in sandbox.pagerduty.writes.records]
    assert paths[-2:] == [("PUT", "/incidents/Q1"), ("PUT", "/incidents/Q1")]


def test_a_service_answer_without_a_policy_is_a_malformed_answer(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.create_incident("Q1", "t")
    sandbox.inject("pagerduty", method="GET", path="/services/*", body='{"service": {"id": "x"}}')
    assert clients.pagerduty_writer is not None
    with pytest.raises(MalformedResponseError, match="no escalation policy"):
        clients.pagerduty_writer.service_escalation_policy("Q1")


def test_a_note_whose_answer_is_cut_short_has_an_unknown_outcome(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.create_incident("Q1", "t")
    sandbox.inject("pagerduty", method="POST", path="/incidents/*/notes", drop=True, times=1)
    assert clients.pagerduty_writer is not None
    with pytest.raises(OutcomeUnknownError):
        clients.pagerduty_writer.add_note("Q1", "x")
