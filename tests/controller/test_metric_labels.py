"""``alert_type`` means the alert's name in every metric; the investigation has its own label
(the original labelled some counters with the alert, others with the investigation)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from cad.investigations.registry import REGISTRY
from cad.simulators.sandbox import Sandbox
from tests.worlds import STOPPED_BY_CUSTOMER

from .conftest import CLUSTER_ID, BuildController, incident, seed

ALERT = "ClusterHasGoneMissing"


def samples(registry: CollectorRegistry, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(
        sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def alert_types(registry: CollectorRegistry) -> set[str]:
    return {
        sample.labels["alert_type"]
        for family in registry.collect()
        for sample in family.samples
        if "alert_type" in sample.labels
    }


def test_the_effects_of_a_chain_name_the_alert_and_the_investigation_apart(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    # Given a cluster whose customer stopped its instances
    seed(sandbox, aws=STOPPED_BY_CUSTOMER)
    incident(sandbox)
    built = controller_for()
    # When CAD runs the ClusterHasGoneMissing chain on its incident
    built.controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    # Then the limited support is counted under the alert's name and chgm, its investigation
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER_ID)) == 1
    registry = built.registry
    limited = "cad_investigate_limitedsupport_set_total"
    assert samples(registry, limited, alert_type=ALERT, investigation="chgm") == 1
    assert samples(registry, "cad_investigate_alerts_total", alert_type=ALERT) == 1
    # And no alert_type anywhere holds an investigation's name
    assert alert_types(registry) & set(REGISTRY.names()) == set()


def test_a_filtered_chain_entry_is_counted_under_its_alert_and_its_investigation(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, hcp=True)  # chgm's `when` skips HCP clusters
    incident(sandbox)
    built = controller_for()
    built.controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    filtered = "cad_investigate_alerts_filtered_total"
    assert samples(built.registry, filtered, alert_type=ALERT, investigation="chgm") == 1
    assert alert_types(built.registry) & set(REGISTRY.names()) == set()


def test_an_alert_filtered_by_its_own_when_clause_names_no_investigation(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    config = """
alerts:
  - alert_title: ClusterHasGoneMissing
    when: {field: ClusterName, operator: notmatches, values: ["^my-"]}
    investigations: [precheck]
"""
    seed(sandbox)
    incident(sandbox)
    built = controller_for(config=config)
    built.controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    filtered = "cad_investigate_alerts_filtered_total"
    assert samples(built.registry, filtered, alert_type=ALERT, investigation="") == 1


def test_a_manual_run_counts_its_investigation_and_no_alert(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, aws=STOPPED_BY_CUSTOMER)
    built = controller_for(pagerduty=False)
    built.controller.run_manual(CLUSTER_ID, "chgm")
    registry = built.registry
    started = "cad_investigate_manual_started_total"
    assert samples(registry, started, investigation="chgm", dry_run="false") == 1
    limited = "cad_investigate_limitedsupport_set_total"
    assert samples(registry, limited, alert_type="", investigation="chgm") == 1
    assert alert_types(registry) <= {""}
