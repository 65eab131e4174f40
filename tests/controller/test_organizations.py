"""Each run's cluster carries its OCM organization (the history and the web UI filter on
it): read from the cluster's subscription once per run, remembered by the process for the
next runs of that cluster, read fresh when organization routing needs it, and never a reason
for a run to stop."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cad.config.org_policy import OrgPolicyMapping
from cad.controller.outcome import ExitCode
from cad.simulators.sandbox import Sandbox
from tests.worlds import STOPPED_BY_CUSTOMER

from .conftest import CLUSTER_ID, FAST, BuildController, incident, seed

SUBSCRIPTIONS = "/api/accounts_mgmt/v1/subscriptions/*"


def count_subscription_reads(sandbox: Sandbox) -> Callable[[], int]:
    """From now on, how many times OCM served a subscription (a fault with no effect)."""
    sandbox.faults("ocm").add(path=SUBSCRIPTIONS)
    before = sandbox.faults("ocm").hits
    return lambda: sandbox.faults("ocm").hits - before


def test_a_run_records_the_organization_of_the_clusters_subscription(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    # Given a cluster of organization org-42 whose instances the customer stopped
    seed(sandbox, organization_id="org-42", aws=STOPPED_BY_CUSTOMER)
    incident(sandbox)
    # When CAD investigates its incident
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    # Then the run's cluster names the organization
    assert outcome.exit_code == ExitCode.OK
    assert outcome.cluster is not None
    assert outcome.cluster["organization_id"] == "org-42"


def test_a_second_run_of_a_cluster_in_one_process_reads_no_subscription_again(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    # Given a cluster, and the subscription reads counted
    seed(sandbox, organization_id="org-42", aws=STOPPED_BY_CUSTOMER)
    subscription_reads = count_subscription_reads(sandbox)
    controller = controller_for().controller
    # When one controller investigates two incidents of it
    first = controller.investigate(sandbox.pagerduty.webhook_payload(incident(sandbox)))
    after_first = subscription_reads()
    sandbox.create_incident(
        "Q2", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER_ID}]
    )
    second = controller.investigate(sandbox.pagerduty.webhook_payload("Q2"))
    # Then the first run read the subscription once, the second not at all, and both
    # recorded the organization
    assert after_first == 1
    assert subscription_reads() == 1
    assert [o.cluster["organization_id"] for o in (first, second) if o.cluster] == ["org-42"] * 2


def test_organization_routing_reads_the_subscription_fresh_and_shares_it_with_the_history(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    # Given organization routing for org-42, and a controller that already knows the cluster
    routed = dataclasses.replace(
        FAST,
        org_policies=OrgPolicyMapping.model_validate(
            {
                "organizations": [
                    {"name": "Acme", "org_ids": ["org-42"], "escalation_policy": "PACME"}
                ]
            }
        ),
    )
    seed(sandbox, organization_id="org-42", aws=STOPPED_BY_CUSTOMER)
    sandbox.pagerduty.add_policy("PACME")
    subscription_reads = count_subscription_reads(sandbox)
    controller = controller_for(runtime=routed).controller
    controller.investigate(sandbox.pagerduty.webhook_payload(incident(sandbox)))
    # When a second incident of the cluster arrives
    sandbox.create_incident(
        "Q2", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER_ID}]
    )
    second = controller.investigate(sandbox.pagerduty.webhook_payload("Q2"))
    # Then each run read the subscription once (routing never trusts what the process
    # remembers), and the second run was routed and recorded the organization
    assert subscription_reads() == 2
    assert second.cluster is not None
    assert second.cluster["organization_id"] == "org-42"
    assert any(
        "Reassigned to organization org-42" in n["content"]
        for n in sandbox.pagerduty.incident("Q2").notes
    )


def test_a_subscription_that_cannot_be_read_leaves_the_organization_unknown_not_the_run(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    # Given a cluster whose subscription OCM always fails to serve
    seed(sandbox, organization_id="org-42", aws=STOPPED_BY_CUSTOMER)
    sandbox.faults("ocm").add(path=SUBSCRIPTIONS, status=500)
    incident(sandbox)
    # When CAD investigates its incident
    outcome = controller_for().controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    # Then the run handled the incident as usual, with no organization recorded
    assert outcome.exit_code == ExitCode.OK
    assert outcome.status == "succeeded"
    assert outcome.cluster is not None
    assert outcome.cluster["organization_id"] == ""
    assert sandbox.pagerduty.incident("Q1").title.startswith("[CAD Investigated]")
