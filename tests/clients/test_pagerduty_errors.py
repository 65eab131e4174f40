"""The error bodies PagerDuty sends, served over TLS to the official client, and what CAD makes
of them: a resolved incident is left alone, an escalation the policy cannot take is an
:class:`InvalidEscalationError`, any other invalid input a plain :class:`InvalidRequestError`.

PagerDuty answers both cases with HTTP 400 and code 2001 ("Invalid Input Provided"); its
``errors`` list says "Incident Already Resolved" for the first (external-apis.md §1.6), and the
original CAD takes any other 2001 on an escalation for a policy with nowhere to escalate."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cad.clients.factory import Clients
from cad.clients.pagerduty import (
    IncidentAlreadyResolvedError,
    InvalidEscalationError,
    PagerDutyWriteClient,
)
from cad.errors import InvalidRequestError
from cad.simulators.sandbox import Sandbox

RESOLVED = {
    "error": {
        "message": "Invalid Input Provided",
        "code": 2001,
        "errors": ["Incident Already Resolved"],
    }
}
INVALID_INPUT = {"error": {"message": "Invalid Input Provided", "code": 2001}}
# The body the original CAD's own tests answer an invalid escalation with.
BARE_INVALID_INPUT = {"error": {"code": 2001}}


@pytest.fixture
def writer(sandbox: Sandbox, clients: Clients) -> PagerDutyWriteClient:
    sandbox.create_incident("Q1", "ClusterHasGoneMissing CRITICAL (1)")
    assert clients.pagerduty_writer is not None
    return clients.pagerduty_writer


def answer_updates_with(sandbox: Sandbox, body: dict[str, Any]) -> None:
    sandbox.inject(
        "pagerduty", method="PUT", path="/incidents/Q1", status=400, body=json.dumps(body)
    )


def test_the_body_pagerduty_sends_for_a_resolved_incident_makes_silence_a_no_op(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    # Given PagerDuty answers every update with its "already resolved" body
    answer_updates_with(sandbox, RESOLVED)
    # When CAD silences the incident
    writer.silence("Q1")
    # Then nothing is raised and nothing changed
    assert sandbox.pagerduty.incident("Q1").escalation_policy_id == "PORIGINAL"
    assert len(sandbox.pagerduty.writes) == 0


def test_the_body_pagerduty_sends_for_a_resolved_incident_makes_escalation_a_no_op(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    answer_updates_with(sandbox, RESOLVED)
    writer.escalate("Q1")
    assert sandbox.pagerduty.incident("Q1").escalation_level == 1
    assert len(sandbox.pagerduty.writes) == 0


def test_other_updates_of_a_resolved_incident_raise_incident_already_resolved(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    answer_updates_with(sandbox, RESOLVED)
    with pytest.raises(IncidentAlreadyResolvedError) as caught:
        writer.update_title("Q1", "[CAD Investigated] x")
    assert (caught.value.status, caught.value.code) == (400, "2001")
    assert "Incident Already Resolved" in str(caught.value)


@pytest.mark.parametrize("body", [INVALID_INPUT, BARE_INVALID_INPUT], ids=["message", "bare"])
def test_invalid_input_on_an_escalation_is_an_invalid_escalation(
    sandbox: Sandbox, writer: PagerDutyWriteClient, body: dict[str, Any]
) -> None:
    # Given PagerDuty refuses the escalation as invalid input
    answer_updates_with(sandbox, body)
    # When CAD escalates, Then the configuration problem surfaces, never swallowed
    with pytest.raises(InvalidEscalationError) as caught:
        writer.escalate("Q1")
    assert (caught.value.status, caught.value.code) == (400, "2001")


def test_invalid_input_on_a_move_to_the_silent_policy_is_an_invalid_escalation(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    answer_updates_with(sandbox, INVALID_INPUT)
    with pytest.raises(InvalidEscalationError, match="Invalid Input Provided"):
        writer.silence("Q1")


def test_invalid_input_on_a_title_change_is_a_plain_invalid_request(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    answer_updates_with(sandbox, INVALID_INPUT)
    with pytest.raises(InvalidRequestError) as caught:
        writer.update_title("Q1", "x")
    assert not isinstance(caught.value, InvalidEscalationError | IncidentAlreadyResolvedError)


def test_the_simulator_answers_a_resolved_incident_with_pagerdutys_body(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    # Given a resolved incident in the simulator (no injected answer)
    sandbox.pagerduty.incident("Q1").status = "resolved"
    # When CAD silences and escalates it, Then both are no-ops
    writer.silence("Q1")
    writer.escalate("Q1")
    assert len(sandbox.pagerduty.writes) == 0
    # And a title change sees the documented code
    with pytest.raises(IncidentAlreadyResolvedError) as caught:
        writer.update_title("Q1", "x")
    assert caught.value.code == "2001"


def test_the_simulator_refuses_a_level_the_policy_lacks_as_pagerduty_does(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    sandbox.pagerduty.policies["PORIGINAL"] = 1
    with pytest.raises(InvalidEscalationError) as caught:
        writer.escalate("Q1")
    assert (caught.value.status, caught.value.code) == (400, "2001")
    assert sandbox.pagerduty.incident("Q1").escalation_level == 1


def test_the_simulator_refuses_an_unknown_silent_policy_as_pagerduty_does(
    sandbox: Sandbox, writer: PagerDutyWriteClient
) -> None:
    del sandbox.pagerduty.policies[writer.silent_policy_id]
    with pytest.raises(InvalidEscalationError) as caught:
        writer.silence("Q1")
    assert (caught.value.status, caught.value.code) == (400, "2001")
    assert sandbox.pagerduty.incident("Q1").escalation_policy_id == "PORIGINAL"
