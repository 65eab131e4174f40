"""cpd: the route-table check as a table, then every outcome with its exact actions."""

from __future__ import annotations

import pytest

from cad.actions import EscalateIncident, ServiceLog, SilenceIncident
from cad.clients.aws_models import Route, RouteTable, Subnet
from cad.config.investigation_config import load_default_config
from cad.documentation import documentation_link
from cad.egress import EgressResult
from cad.errors import ServerError
from cad.investigations.cpd import checks
from cad.investigations.cpd.investigation import ClusterProvisioningDelay
from cad.investigations.framework.base import Result
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.registry import REGISTRY
from cad.testing.readers import FakeEgress, FakeWorld, cluster

from .helpers import ESCALATE_FLOW, note_text, of_type, types

VPC = "vpc-0a1b2c3d4e5f60001"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]


def table(*routes: Route, main: bool = False, subnets: list[str] | None = None) -> RouteTable:
    return RouteTable(
        id=f"rtb-{len(routes)}{int(main)}", vpc_id=VPC, main=main, subnet_ids=subnets or [],
        routes=[Route(destination_cidr_block="10.0.0.0/16", gateway_id="local"), *routes],
    )  # fmt: skip


def run(world: FakeWorld) -> Result:
    return ClusterProvisioningDelay().run(world.resources("cpd"))


def installing(**fields: object) -> FakeWorld:
    return FakeWorld(cluster=cluster(state="installing", **fields))


def byovpc(*tables: RouteTable) -> FakeWorld:
    world = installing(subnet_ids=SUBNETS)
    world.subnets = [Subnet(id=s, vpc_id=VPC) for s in SUBNETS]
    world.route_tables = list(tables)
    return world


def reason(result: Result) -> str:
    action = result.actions[-1]
    assert isinstance(action, EscalateIncident | SilenceIncident)
    return action.reason


# --- the original's isSubnetRouteValid --------------------------------------------------------


@pytest.mark.parametrize(
    ("routes", "valid"),
    [
        ([Route(destination_cidr_block="0.0.0.0/0", gateway_id="igw-1")], True),
        ([Route(destination_cidr_block="0.0.0.0/0", nat_gateway_id="nat-1")], True),
        ([Route(destination_cidr_block="0.0.0.0/0", transit_gateway_id="tgw-1")], True),
        ([Route(destination_cidr_block="0.0.0.0/0", network_interface_id="eni-1")], True),
        ([], False),
        ([Route(destination_cidr_block="172.16.0.0/12", nat_gateway_id="nat-1")], False),
        ([Route(destination_prefix_list_id="pl-1", gateway_id="vpce-1")], False),
        ([Route(destination_ipv6_cidr_block="::/0", gateway_id="igw-1")], False),
    ],
    ids=[
        "default route to an internet gateway",
        "default route to a NAT gateway",
        "default route to a transit gateway",
        "default route to a firewall interface",
        "local route only",
        "a narrower route only",
        "a prefix list has no CIDR destination",
        "an IPv6 default route is not an IPv4 one",
    ],
)
def test_a_route_table_is_valid_when_it_routes_0_0_0_0_0_anywhere(
    routes: list[Route], valid: bool
) -> None:
    assert checks.has_default_route(table(*routes)) is valid


# --- outcomes -------------------------------------------------------------------------------


def test_a_ready_cluster_is_escalated_for_the_cad_team() -> None:
    result = run(FakeWorld(cluster=cluster(state="ready")))
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == "Cluster ready but alert fired - CAD team investigation required"
    assert checks.READY_WARNING in note_text(result)


def test_a_cluster_deployment_without_cluster_metadata_is_a_faulty_install_configuration() -> None:
    world = installing()
    world.cluster_metadata = False
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == (
        "ClusterDeployment.Spec.ClusterMetadata empty - faulty install configuration"
    )
    text = note_text(result)
    assert "Cluster installation did not yet finish" in text
    assert checks.NO_CLUSTER_METADATA_WARNING in text


def test_dns_not_ready_gives_the_dnszones_command() -> None:
    result = run(installing(dns_ready=False))
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == "Cluster DNS not ready"
    text = note_text(result)
    assert "Installation hive job started" in text
    assert (
        "DNS not ready.\nInvestigate reasons using the dnszones CR in the cluster namespace:\n"
        "oc get dnszones -n uhc-production-c1 -o yaml --as backplane-cluster-admin"
    ) in text


def test_a_byovpc_subnet_without_a_default_route_tells_the_customer_and_silences() -> None:
    # Given the first subnet routes through a NAT gateway, the second has a table without one
    world = byovpc(
        table(Route(destination_cidr_block="0.0.0.0/0", nat_gateway_id="nat-1"), subnets=[SUBNETS[0]]),
        table(subnets=[SUBNETS[1]]),
    )  # fmt: skip
    result = run(world)
    assert types(result) == [
        "backplane_report",
        "pagerduty_note",
        "service_log",
        "silence_incident",
    ]
    assert reason(result) == "Missing route to internet in subnet route table"
    sent = of_type(result, "service_log")
    assert isinstance(sent, ServiceLog)
    assert (sent.severity, sent.summary, sent.service_name, sent.internal_only) == (
        "Major",
        "Installation blocked: Missing route to internet",
        "SREManualAction",
        False,
    )
    link = documentation_link("rosa", "aws-custom-vpc")
    assert sent.description == (
        "Your cluster's installation is blocked because of the missing route to internet in the "
        "route table(s) associated with the supplied subnet(s) for cluster installation. Please "
        f"review and validate the routes by following documentation and re-install the cluster: "
        f"{link}."
    )
    assert f"subnet {SUBNETS[1]} does not have a default route to 0.0.0.0/0" in note_text(result)
    assert world.egress.calls == 0


def test_a_subnet_without_a_table_of_its_own_uses_the_vpcs_main_table() -> None:
    world = byovpc(table(main=True))
    result = run(world)
    assert f"subnet {SUBNETS[0]} does not have a default route" in note_text(result)
    world = byovpc(table(Route(destination_cidr_block="0.0.0.0/0", gateway_id="igw-1"), main=True))
    assert reason(run(world)) == "ClusterProvisioningDelay - manual investigation required"


def test_an_osd_cluster_is_linked_to_the_osd_documentation() -> None:
    world = byovpc(table(main=True))
    world.cluster = cluster(state="installing", subnet_ids=SUBNETS, product="osd")
    sent = of_type(run(world), "service_log")
    assert isinstance(sent, ServiceLog)
    assert documentation_link("osd", "aws-custom-vpc") in sent.description


def test_valid_routing_and_a_passing_verifier_are_escalated() -> None:
    world = byovpc(table(Route(destination_cidr_block="0.0.0.0/0", gateway_id="igw-1"), main=True))
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert reason(result) == "ClusterProvisioningDelay - manual investigation required"
    text = note_text(result)
    for line in ("Cluster DNS is ready", "BYOVPC has valid routing", "Network verifier passed"):
        assert line in text
    assert world.egress.calls == 1


def test_a_cluster_without_byovpc_reads_no_route_tables() -> None:
    world = installing()
    result = run(world)
    assert "BYOVPC has valid routing" in note_text(result)
    assert "get_route_table_for_subnet" not in world.calls
    assert "aws_client" not in world.calls


def test_blocked_egress_prepares_the_service_log_command_and_escalates() -> None:
    world = installing()
    world.egress = FakeEgress(EgressResult(outcome="failure", unreachable=["quay.io:443"]))
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    text = note_text(result)
    assert "NetworkVerifier found unreachable targets." in text
    assert (
        "osdctl servicelog post --cluster-id c1 -t https://raw.githubusercontent.com/openshift/"
        'managed-notifications/master/osd/required_network_egresses_are_blocked.json -p URLS="quay.io:443"'
    ) in text
    assert "service_log" not in types(result)


def test_a_failing_verifier_is_noted_and_escalated() -> None:
    world = installing()
    world.egress = FakeEgress(EgressResult(outcome="error", message="boom"))
    result = run(world)
    assert "NetworkVerifier failed to run:\n\t boom" in note_text(result)
    assert reason(result) == "ClusterProvisioningDelay - manual investigation required"


def test_an_aws_failure_reading_route_tables_is_an_infrastructure_error() -> None:
    world = byovpc(table(main=True))
    world.fail["get_route_table_for_subnet"] = ServerError(
        "unavailable", system="aws", endpoint="EC2 DescribeRouteTables", status=503
    )
    with pytest.raises(InfrastructureError, match="AWS API failure checking subnet route tables"):
        run(world)


def test_cpd_is_registered_and_routed_for_cluster_provisioning_delay() -> None:
    assert REGISTRY.resolve("cpd").name == "cpd"
    chain = load_default_config(known=REGISTRY.names()).match(
        "[FIRING:1] ClusterProvisioningDelay - production hivep05ue1 uhc-production-x"
    )
    assert chain is not None
    assert [step.name for step in chain.investigations] == ["precheck", "ccam", "cpd"]
