"""ocmagentresponsefailure: the egress and ban verdicts (tables, with the original's
Test_checkUserBanStatus cases) and every outcome of the run."""

from __future__ import annotations

import base64
import json

import pytest

from cad.actions import EscalateIncident, PagerDutyNote, ServiceLog
from cad.clients.ocm.models import Account
from cad.config.investigation_config import load_default_config
from cad.egress import EgressResult
from cad.errors import ForbiddenError
from cad.investigations.framework.base import Result
from cad.investigations.framework.ownerban import OwnerBan
from cad.investigations.framework.pullsecret_check import PULL_SECRET_MATCHES
from cad.investigations.ocmagentresponsefailure import checks
from cad.investigations.ocmagentresponsefailure.investigation import OcmAgentResponseFailure
from cad.investigations.registry import REGISTRY
from cad.testing.readers import FakeEgress, FakeWorld, cluster

from .helpers import ESCALATE_FLOW, note_text, of_type, types

NAME = "ocmagentresponsefailure"
SOME_BAN = Account(id="a1", banned=True, ban_code="some_reason", ban_description="Some reason")
EXPORT_BAN = Account(
    id="a1",
    banned=True,
    ban_code="export_control_compliance",
    ban_description="Export Control Compliance",
)


def secret(email: str = "owner@example.com") -> dict[str, object]:
    config = {"auths": {"cloud.openshift.com": {"auth": "x", "email": email}}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "pull-secret", "namespace": "openshift-config"},
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }


def run(world: FakeWorld, *, experimental: bool = False) -> Result:
    return OcmAgentResponseFailure().run(world.resources(NAME, experimental=experimental))


def reason(result: Result) -> str:
    action = of_type(result, "escalate_incident")
    assert isinstance(action, EscalateIncident)
    return action.reason


# --- verdicts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "line", "passed", "stop"),
    [
        (EgressResult(outcome="success"), "Network verifier passed", True, False),
        (
            EgressResult(outcome="failure", unreachable=["nosnch.in:443", "quay.io:443"]),
            "Network verifier reported failure: nosnch.in:443, quay.io:443",
            False,
            True,
        ),
        (
            EgressResult(outcome="error", message="boom"),
            "NetworkVerifier failed to run:\n boom",
            False,
            False,
        ),
        (
            EgressResult(outcome="unavailable", message="not installed"),
            "Egress was not verified: not installed",
            False,
            False,
        ),
    ],
    ids=["success", "failure", "error", "unavailable"],
)
def test_only_an_egress_failure_stops_the_investigation(
    result: EgressResult, line: str, passed: bool, stop: bool
) -> None:
    finding = checks.egress_finding(result)
    assert (finding.line, finding.passed, finding.stop) == (line, passed, stop)


@pytest.mark.parametrize(
    ("ban", "experimental", "service_log", "escalation"),
    [
        # the original's Test_checkUserBanStatus cases
        (OwnerBan("some_reason", "Some reason"), False, False, checks.BANNED_REASON),
        (OwnerBan("some_reason", "Some reason"), True, True, checks.BANNED_REASON),
        (
            OwnerBan("export_control_compliance", "Export Control Compliance"),
            False,
            False,
            checks.EXPORT_CONTROL_REASON,
        ),
        (
            OwnerBan("export_control_compliance", "Export Control Compliance"),
            True,
            False,
            checks.EXPORT_CONTROL_REASON,
        ),
        (None, False, None, None),
    ],
    ids=[
        "banned user",
        "banned user experimental mode",
        "export control compliance",
        "export control compliance experimental mode",
        "user is not banned",
    ],
)
def test_the_banned_owner_service_log_is_sent_only_when_experimental(
    ban: OwnerBan | None, experimental: bool, service_log: bool | None, escalation: str | None
) -> None:
    verdict = checks.ban_verdict(ban, experimental=experimental)
    if ban is None:
        assert verdict is None
        return
    assert verdict is not None
    assert (verdict.service_log, verdict.reason) == (service_log, escalation)
    assert verdict.warnings[0] == str(ban)
    assert (checks.SL_HELD_BACK in verdict.warnings) is (
        not experimental and not ban.export_control
    )


# --- the run: the original's Test_checkUserBanStatus, through the whole investigation ---------


@pytest.mark.parametrize(
    ("owner", "experimental", "expected"),
    [
        (SOME_BAN, False, ESCALATE_FLOW),
        (
            SOME_BAN,
            True,
            ["backplane_report", "pagerduty_note", "service_log", "escalate_incident"],
        ),
        (EXPORT_BAN, False, ESCALATE_FLOW),
    ],
    ids=["banned user", "banned user experimental mode", "export control compliance"],
)
def test_a_banned_owner_stops_the_investigation_with_an_escalation(
    owner: Account, experimental: bool, expected: list[str]
) -> None:
    world = FakeWorld(owner=owner)
    result = run(world, experimental=experimental)
    assert types(result) == expected
    assert f"user is banned ({owner.ban_code})" in note_text(result)
    assert "open_kube" not in world.calls  # the pull secret is not looked at


def test_the_experimental_service_log_is_the_banned_owner_one() -> None:
    result = run(FakeWorld(owner=SOME_BAN), experimental=True)
    sl = of_type(result, "service_log")
    assert isinstance(sl, ServiceLog)
    assert (sl.severity, sl.summary) == ("Critical", "Action required: Arrange new cluster owner")
    assert reason(result) == "User is banned, please refer to the SOP."
    assert checks.SL_HELD_BACK not in note_text(result)


def test_without_experimental_the_note_says_the_service_log_was_held_back() -> None:
    result = run(FakeWorld(owner=SOME_BAN))
    assert "service_log" not in types(result)
    assert checks.SL_HELD_BACK in note_text(result)


def test_a_healthy_cluster_runs_every_check_and_escalates() -> None:
    world = FakeWorld(objects=[secret()])
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == checks.COMPLETE_REASON
    text = note_text(result)
    for line in ("Network verifier passed", "User is not banned.", PULL_SECRET_MATCHES):
        assert line in text
    assert world.egress.calls == 1


def test_an_egress_failure_stops_before_the_owner_is_looked_at() -> None:
    world = FakeWorld(
        egress=FakeEgress(EgressResult(outcome="failure", unreachable=["api.openshift.com:443"])),
        owner=SOME_BAN,
    )
    result = run(world, experimental=True)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == checks.EGRESS_FAILED_REASON
    assert "Network verifier reported failure: api.openshift.com:443" in note_text(result)
    assert "get_account" not in world.calls


def test_a_verifier_that_cannot_run_is_noted_and_the_checks_go_on() -> None:
    world = FakeWorld(
        egress=FakeEgress(EgressResult(outcome="error", message="timeout")),
        objects=[secret("other@example.com")],
    )
    result = run(world)
    assert reason(result) == checks.COMPLETE_REASON
    text = note_text(result)
    assert "NetworkVerifier failed to run:\n timeout" in text
    assert "Pull secret does not match on cluster and in OCM." in text


def test_an_owner_lookup_failure_is_noted_and_escalated() -> None:
    result = run(FakeWorld(subscription_status="Deprovisioned"))
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == checks.LOOKUP_FAILED_REASON
    assert "encountered an issue when checking if the cluster owner is banned" in note_text(result)


def test_an_hcp_cluster_is_escalated_for_manual_investigation() -> None:
    world = FakeWorld(cluster=cluster(hcp=True))
    result = run(world)
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    assert reason(result) == checks.HCP_DETECTED
    assert world.egress.calls == 0


def test_an_unreachable_cluster_api_is_noted_with_what_was_found_before() -> None:
    world = FakeWorld()
    world.fail["open_kube"] = ForbiddenError("no", system="backplane", endpoint="POST", status=403)
    result = run(world)
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    note = result.actions[0]
    assert isinstance(note, PagerDutyNote)
    text = note.render([])
    assert "CAD was unable to get credentials to the cluster." in text
    assert "User is not banned." in text
    assert "Network verifier passed" in text


def test_the_shipped_config_routes_the_alert_after_precheck_and_ccam() -> None:
    config = load_default_config(known=REGISTRY.names())
    alert = config.match("OCMAgentResponseFailureServiceLogsSRE CRITICAL (1)")
    assert alert is not None
    assert [e.name for e in alert.investigations] == ["precheck", "ccam", NAME]
    assert config.shadowed() == []
