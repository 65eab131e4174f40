"""upgradeconfigsyncfailureover4hr: the ban verdicts (table) and every outcome of the run."""

from __future__ import annotations

import base64
import json

import pytest

from cad.actions import EscalateIncident, PagerDutyNote, ServiceLog
from cad.clients.ocm.models import Account, Registry, RegistryCredential
from cad.config.investigation_config import load_default_config
from cad.errors import ForbiddenError, NotFoundError, ServerError
from cad.investigations.framework.base import Result
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.framework.ownerban import BANNED_OWNER_SL_SUMMARY, OwnerBan
from cad.investigations.framework.pullsecret_check import PULL_SECRET_MATCHES
from cad.investigations.registry import REGISTRY
from cad.investigations.upgradeconfigsyncfailureover4hr import checks
from cad.investigations.upgradeconfigsyncfailureover4hr.investigation import (
    UpgradeConfigSyncFailureOver4Hr,
)
from cad.testing.readers import FakeWorld

from .helpers import ESCALATE_FLOW, note_text, of_type, types

NAME = "upgradeconfigsyncfailureover4hr"


def secret(email: str = "owner@example.com", **auths: dict[str, str]) -> dict[str, object]:
    config = {"auths": {"cloud.openshift.com": {"auth": "x", "email": email}, **auths}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "pull-secret", "namespace": "openshift-config"},
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }


def run(world: FakeWorld) -> Result:
    return UpgradeConfigSyncFailureOver4Hr().run(world.resources(NAME))


def reason(result: Result) -> str:
    action = of_type(result, "escalate_incident")
    assert isinstance(action, EscalateIncident)
    return action.reason


# --- the ban verdict ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ban", "warnings", "service_log", "escalation"),
    [
        (None, None, None, None),
        (
            OwnerBan("export_control_compliance", "Export Control Compliance"),
            ("user is banned (export_control_compliance): Export Control Compliance",),
            False,
            checks.EXPORT_CONTROL_REASON,
        ),
        (
            OwnerBan("some_reason", "Some reason"),
            (
                "user is banned (some_reason): Some reason",
                f"Sending out Service Log ({BANNED_OWNER_SL_SUMMARY})",
            ),
            True,
            checks.BANNED_REASON,
        ),
    ],
    ids=["not banned", "export control compliance", "banned for another reason"],
)
def test_a_ban_is_escalated_and_only_a_non_export_ban_gets_the_service_log(
    ban: OwnerBan | None, warnings: tuple[str, ...] | None, service_log: bool, escalation: str
) -> None:
    verdict = checks.ban_verdict(ban)
    if warnings is None:
        assert verdict is None
        return
    assert verdict is not None
    assert (verdict.warnings, verdict.service_log, verdict.reason) == (
        warnings,
        service_log,
        escalation,
    )


# --- the run -------------------------------------------------------------------------------------


def test_a_banned_owner_gets_the_new_owner_service_log_and_the_incident_is_escalated() -> None:
    world = FakeWorld(owner=Account(id="a1", banned=True, ban_code="x", ban_description="Y"))
    result = run(world)
    assert types(result) == [
        "backplane_report",
        "pagerduty_note",
        "service_log",
        "escalate_incident",
    ]
    sl = of_type(result, "service_log")
    assert isinstance(sl, ServiceLog)
    assert sl.summary == "Action required: Arrange new cluster owner"
    assert sl.severity == "Critical"
    assert reason(result) == "Banned OCM user, please open a proactive ticket."
    assert "user is banned (x): Y" in note_text(result)
    assert "open_kube" not in world.calls


def test_an_export_control_ban_is_escalated_without_a_service_log() -> None:
    world = FakeWorld(
        owner=Account(
            id="a1",
            banned=True,
            ban_code="export_control_compliance",
            ban_description="Export Control Compliance",
        )
    )
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == checks.EXPORT_CONTROL_REASON
    assert "user is banned (export_control_compliance)" in note_text(result)


def test_an_owner_lookup_failure_is_noted_and_escalated() -> None:
    world = FakeWorld(subscription_status="Deprovisioned")
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == checks.LOOKUP_FAILED_REASON
    text = note_text(result)
    assert "encountered an issue when checking if the cluster owner is banned" in text
    assert "expecting status 'Active' found 'Deprovisioned'" in text


def test_a_matching_pull_secret_is_noted_and_escalated_for_sre() -> None:
    world = FakeWorld(objects=[secret()])
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == checks.COMPLETE_REASON
    text = note_text(result)
    assert "User is not banned." in text
    assert PULL_SECRET_MATCHES in text
    assert "No registry credentials found in OCM for this account" in text


def test_pull_secret_mismatches_are_noted_and_escalated() -> None:
    world = FakeWorld(
        objects=[secret("someone@else.com", **{"quay.io": {"auth": "x", "email": "o"}})],
        registry_credentials=[RegistryCredential(registry_id="rq", username="u", token="t")],
        registries={"rq": Registry(id="rq", name="quay.io")},
    )
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    text = note_text(result)
    assert "Pull secret does not match on cluster and in OCM." in text
    assert "Pull secret auth['quay.io'].email does not match OCM account email" in text
    assert "Failed to decode token in cluster pull secret for registry 'quay.io'" in text
    assert PULL_SECRET_MATCHES not in text


def test_a_missing_pull_secret_is_noted_and_escalated() -> None:
    result = run(FakeWorld(objects=[]))
    assert types(result) == ESCALATE_FLOW
    assert "Failed to get pull secret from cluster" in note_text(result)


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


def test_a_transient_failure_reading_the_pull_secret_is_an_infrastructure_error() -> None:
    world = FakeWorld()
    world.fail["kube_list"] = ServerError("503", system="kubernetes", endpoint="GET", status=503)
    with pytest.raises(InfrastructureError):
        run(world)


def test_a_missing_registry_is_noted() -> None:
    world = FakeWorld(
        objects=[secret()],
        registry_credentials=[RegistryCredential(registry_id="gone", username="u", token="t")],
    )
    world.fail["get_registry"] = NotFoundError("gone", system="ocm", endpoint="GET", status=404)
    text = note_text(run(world))
    assert "Failed to fetch registry 'gone' from OCM:" in text


def test_the_shipped_config_routes_the_alert_after_precheck_and_ccam() -> None:
    config = load_default_config(known=REGISTRY.names())
    alert = config.match("UpgradeConfigSyncFailureOver4HrSRE CRITICAL (1)")
    assert alert is not None
    assert [e.name for e in alert.investigations] == ["precheck", "ccam", NAME]
