"""cannotretrieveupdatessre: the original's table tests, then every outcome with exact actions."""

from __future__ import annotations

from typing import Any

import pytest

from cad.actions import EscalateIncident
from cad.config.investigation_config import load_default_config
from cad.egress import EgressResult
from cad.errors import ForbiddenError, ServerError
from cad.investigations.cannotretrieveupdatessre import checks
from cad.investigations.cannotretrieveupdatessre.investigation import CannotRetrieveUpdatesSre
from cad.investigations.framework.base import Result
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.registry import REGISTRY
from cad.testing.readers import FakeEgress, FakeWorld, cluster

from .helpers import ESCALATE_FLOW, note_text, types

COMPLETED = "CannotRetrieveUpdatesSRE investigation completed - manual review required"
ESCALATED = "⚠️ Alert escalated to on-call primary for review and please check the ClusterVersion."


def version(
    *conditions: dict[str, Any], channel: str = "stable-4.18", desired: str = "4.18.3"
) -> dict[str, Any]:
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterVersion",
        "metadata": {"name": "version"},
        "spec": {"channel": channel},
        "status": {"desired": {"version": desired}, "conditions": list(conditions)},
    }


def retrieved(status: str, reason: str, message: str) -> dict[str, Any]:
    return {"type": "RetrievedUpdates", "status": status, "reason": reason, "message": message}


REMOTE_FAILED = retrieved("False", "RemoteFailed", "Unable to retrieve available updates")
NOT_FOUND = retrieved("False", "VersionNotFound", "Unable to retrieve available updates")
RETRIEVED = retrieved("True", "UpdatesRetrieved", "Available updates retrieved successfully")


def run(world: FakeWorld) -> Result:
    return CannotRetrieveUpdatesSre().run(world.resources("cannotretrieveupdatessre"))


def reason(result: Result) -> str:
    action = result.actions[-1]
    assert isinstance(action, EscalateIncident)
    return action.reason


# --- the original's TestGetUpdateRetrievalFailures ---------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ([REMOTE_FAILED], "(Reason: RemoteFailed). Unable to retrieve available updates"),
        ([NOT_FOUND], "(Reason: VersionNotFound). Unable to retrieve available updates"),
        ([RETRIEVED], ""),
        # ours: other conditions, no conditions, an Unknown status, the first failure wins
        ([{"type": "Failing", "status": "False", "reason": "x", "message": "y"}], ""),
        ([], ""),
        ([retrieved("Unknown", "Pending", "checking")], ""),
        (
            [RETRIEVED, NOT_FOUND, REMOTE_FAILED],
            "(Reason: VersionNotFound). Unable to retrieve available updates",
        ),
    ],
    ids=[
        "RemoteFailed condition",
        "VersionNotFound condition",
        "Happy path",
        "another condition",
        "no conditions",
        "unknown status",
        "first failure wins",
    ],
)
def test_update_retrieval_failures_read_the_retrieved_updates_condition(
    conditions: list[dict[str, Any]], expected: str
) -> None:
    parsed = checks.ClusterVersion.from_object(version(*conditions))
    assert checks.update_retrieval_failure(parsed) == expected


@pytest.mark.parametrize(
    ("obj", "warning"),
    [
        (
            version(NOT_FOUND),
            "ClusterVersion related issue detected: (Reason: VersionNotFound). Unable to "
            "retrieve available updates. Current version 4.18.3 not found in channel stable-4.18",
        ),
        (
            version(REMOTE_FAILED),
            "ClusterVersion related issue detected: (Reason: RemoteFailed). Unable to retrieve "
            "available updates. Current version 4.18.3, channel stable-4.18",
        ),
        (
            version(
                retrieved("False", "NoChannel", "The update channel has not been configured."),
                channel="",
            ),
            "ClusterVersion related issue detected: (Reason: NoChannel). The update channel has "
            "not been configured.. Current version 4.18.3, channel (none set)",
        ),
        (version(RETRIEVED), None),
    ],
    ids=["version-not-found", "remote-failed", "no-channel", "retrieved"],
)
def test_the_warning_claims_a_missing_version_only_for_version_not_found(
    obj: dict[str, Any], warning: str | None
) -> None:
    assert checks.retrieval_warning(checks.ClusterVersion.from_object(obj)) == warning


def test_a_cluster_version_with_null_parts_parses() -> None:
    parsed = checks.ClusterVersion.from_object(
        {"metadata": {"name": "version"}, "spec": None, "status": {"desired": None}}
    )
    assert (parsed.channel, parsed.desired_version, parsed.conditions) == ("", "", [])


# --- the investigation -------------------------------------------------------------------------


def test_updates_retrieved_escalates_with_the_version_and_the_egress_verdict() -> None:
    result = run(FakeWorld(objects=[version(RETRIEVED)]))
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == COMPLETED
    assert note_text(result).endswith(
        "===========================\n"
        "✅ Network verifier passed\n"
        "✅ ClusterVersion found: 4.18.3\n"
        f"{ESCALATED}\n"
    )
    assert note_text(result).startswith("🤖 Automated CannotRetrieveUpdatesSRE pre-investigation")


@pytest.mark.parametrize(
    ("condition", "line"),
    [
        (NOT_FOUND, "not found in channel stable-4.18"),
        (
            REMOTE_FAILED,
            "(Reason: RemoteFailed). Unable to retrieve available updates. Current "
            "version 4.18.3, channel stable-4.18",
        ),
    ],
    ids=["version-not-found", "remote-failed"],
)
def test_a_failed_retrieval_is_noted_and_escalated(condition: dict[str, Any], line: str) -> None:
    result = run(FakeWorld(objects=[version(condition)]))
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == COMPLETED
    text = note_text(result)
    assert "⚠️ ClusterVersion related issue detected: " in text
    assert line in text
    assert text.endswith(f"{ESCALATED}\n")


def test_blocked_egress_prepares_the_service_log_command_and_sends_nothing() -> None:
    verdict = EgressResult(outcome="failure", unreachable=["api.openshift.com:443"])
    result = run(FakeWorld(objects=[version(RETRIEVED)], egress=FakeEgress(verdict)))
    assert types(result) == ESCALATE_FLOW
    assert (
        "⚠️ NetworkVerifier found unreachable targets. \n \n Verify and send service log if "
        "necessary: \n osdctl servicelog post --cluster-id c1 -t https://raw.githubusercontent."
        "com/openshift/managed-notifications/master/osd/required_network_egresses_are_blocked."
        'json -p URLS="api.openshift.com:443"' in note_text(result)
    )


def test_a_missing_cluster_version_is_noted_and_escalated() -> None:
    result = run(FakeWorld(objects=[]))
    assert types(result) == ESCALATE_FLOW
    text = note_text(result)
    assert "⚠️ Failed to get ClusterVersion: " in text
    assert 'clusterversions "version" not found' in text
    assert "ClusterVersion found" not in text
    assert text.endswith(f"{ESCALATED}\n")


def test_a_transient_failure_reading_the_cluster_version_is_an_infrastructure_error() -> None:
    world = FakeWorld(objects=[version(RETRIEVED)])
    world.fail["kube_list"] = ServerError("503", system="kubernetes", endpoint="GET", status=503)
    with pytest.raises(InfrastructureError, match="K8s API failure getting the ClusterVersion"):
        run(world)


def test_no_access_to_the_cluster_api_is_noted_after_the_egress_verdict_and_escalated() -> None:
    world = FakeWorld(objects=[version(RETRIEVED)])
    world.fail["open_kube"] = ForbiddenError("denied", system="backplane", endpoint="POST /r")
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    message = "CAD was unable to get credentials to the cluster. Please investigate manually."
    assert reason(result) == message
    text = note_text(result)
    assert "✅ Network verifier passed\n⚠️ CAD was unable to get credentials" in text
    assert ESCALATED not in text


def test_an_hcp_cluster_reads_the_cluster_version_without_the_network_verifier() -> None:
    world = FakeWorld(cluster=cluster(hcp=True), objects=[version(NOT_FOUND)])
    result = run(world)
    assert reason(result) == COMPLETED
    text = note_text(result)
    assert "⚠️ Network verifier not run: the cluster is HCP" in text
    assert "not found in channel stable-4.18" in text
    assert world.egress.calls == 0


def test_the_shipped_config_routes_the_alert_after_precheck_and_ccam() -> None:
    config = load_default_config(known=REGISTRY.names())
    alert = config.match("CannotRetrieveUpdatesSRE Warning (1)")
    assert alert is not None
    assert [e.name for e in alert.investigations] == [
        "precheck",
        "ccam",
        "cannotretrieveupdatessre",
    ]
