"""No customer gets the other product's documentation: the guard where all writes pass."""

from __future__ import annotations

from cad.actions import limited_support, note, service_log, silence
from cad.documentation import documentation_link, find_documentation_mismatch
from cad.domain import ClusterRef
from cad.executor import Executor, Outcome
from cad.testing import FakeOcm, FakePagerDuty, Journal

from .conftest import INCIDENT, ContextFactory

OSD_LINK = documentation_link("osd", "privatelink-firewall")
ROSA_LINK = documentation_link("rosa", "privatelink-firewall")


def test_links_follow_the_product_and_fall_back_to_rosa() -> None:
    assert "openshift_dedicated" in OSD_LINK
    assert "red_hat_openshift_service_on_aws" in ROSA_LINK
    assert documentation_link("", "monitoring-stack") == documentation_link(
        "rosa", "monitoring-stack"
    )


def test_the_guard_spots_the_other_products_link_and_ignores_unknown_products() -> None:
    mismatch = find_documentation_mismatch("rosa", "service log", "S", f"see {OSD_LINK}.")
    assert mismatch is not None
    assert mismatch.linked_product == "osd"
    assert find_documentation_mismatch("osd", "service log", "S", f"see {OSD_LINK}.") is None
    assert find_documentation_mismatch("", "service log", "S", f"see {OSD_LINK}.") is None


def test_a_service_log_with_the_wrong_products_link_is_not_sent_and_the_incident_escalated(
    executor: Executor,
    context: ContextFactory,
    ocm: FakeOcm,
    pagerduty: FakePagerDuty,
    journal: Journal,
) -> None:
    report = executor.execute(
        [
            service_log(
                "Critical", "Action required: Network misconfiguration", f"Read {OSD_LINK}."
            ),
            note("n"),
            silence("s"),
        ],
        context(),  # the context's cluster is ROSA
    )
    assert report.outcomes()[0] == ("service_log", Outcome.REPLACED)
    assert not any(c.method == "post_service_log" for c in journal.calls)
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.escalation_level == 2
    assert incident.escalation_policy_id == "PORIGINAL"
    [content] = incident.notes
    assert "service log: 'Action required: Network misconfiguration' was to be sent" in content
    assert "for OpenShift Dedicated product while working on a ROSA cluster" in content
    assert f"Details prepared:\nRead {OSD_LINK}." in content


def test_a_limited_support_reason_with_the_right_link_is_sent(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    osd_cluster = ClusterRef(id="c1", external_id="ext-c1", product="osd")
    report = executor.execute(
        [limited_support("S", f"see {OSD_LINK}")], context(cluster=osd_cluster)
    )
    assert report.records[0].outcome is Outcome.SUCCEEDED
