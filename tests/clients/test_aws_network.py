"""AWS network reads against moto: subnets and their route tables (associated or the VPC's
main one), security groups, DHCP options, Route53 zones and records, classic and v2 load
balancers with listeners and target health; the world's ids are kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from cad.clients.aws import AwsClient
from cad.clients.factory import Clients
from cad.errors import NotFoundError, ServerError
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import AwsSpec, ClusterSpec, InstanceSpec, WorldSpec

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
INFRA = "my-cluster-x7k2p"
DOMAIN = "my-cluster.abcd.p1.openshiftapps.com"
NETWORK = {
    "vpc": {
        "id": "vpc-0a1b2c3d4e5f60001",
        "main_routes": [{"destination": "0.0.0.0/0", "target": "igw"}],
        "dhcp_options": {"domain_name_servers": ["10.0.0.2", "AmazonProvidedDNS"]},
    },
    "subnets": [
        {"id": "subnet-0a1b2c3d4e5f60001", "cidr": "10.0.0.0/19", "public": True},
        {
            "id": "subnet-0a1b2c3d4e5f60002",
            "cidr": "10.0.32.0/19",
            "routes": [{"destination": "0.0.0.0/0", "target": "nat"}],
        },
        {"id": "subnet-0a1b2c3d4e5f60003", "cidr": "10.0.64.0/19", "routes": []},
    ],
    "byovpc": True,
    "security_groups": [
        {
            "id": "sg-0a1b2c3d4e5f60001",
            "name": "router",
            "ingress": [{"protocol": "tcp", "from_port": 443, "to_port": 443}],
        },
        {
            "id": "sg-0a1b2c3d4e5f60002",
            "name": "nodes",
            "ingress": [
                {"protocol": "tcp", "from_port": 30000, "to_port": 32767, "cidrs": ["10.0.0.0/16"]}
            ],
        },
    ],
    "instances": [
        {
            "id": "i-infra-0",
            "name": f"{INFRA}-infra-0",
            "subnet": "subnet-0a1b2c3d4e5f60002",
            "security_groups": ["sg-0a1b2c3d4e5f60002"],
        },
        {"id": "i-infra-1", "name": f"{INFRA}-infra-1", "state": "stopped"},
    ],
    "load_balancers": [
        {
            "name": "router-classic",
            "subnets": ["subnet-0a1b2c3d4e5f60001"],
            "security_groups": ["sg-0a1b2c3d4e5f60001"],
            "listeners": [{"protocol": "TCP", "port": 443, "instance_port": 30443}],
            "targets": [{"instance": "i-infra-0"}, {"instance": "i-infra-1"}],
        },
        {
            "name": "router-nlb",
            "type": "network",
            "scheme": "internal",
            "subnets": ["subnet-0a1b2c3d4e5f60001"],
            "listeners": [{"protocol": "TCP", "port": 443, "instance_port": 30443}],
            "targets": [
                {"instance": "i-infra-0", "port": 30443},
                {
                    "instance": "i-infra-1",
                    "port": 30443,
                    "state": "unhealthy",
                    "reason": "Target.FailedHealthChecks",
                },
            ],
        },
    ],
    "hosted_zones": [
        {
            "name": DOMAIN,
            "private": True,
            "records": [{"name": f"*.apps.{DOMAIN}", "alias_target": "router-nlb"}],
        },
        {
            "name": "abcd.p1.openshiftapps.com",
            "records": [{"name": "x.abcd.p1.openshiftapps.com", "values": ["1.2.3.4"]}],
        },
    ],
}


@pytest.fixture
def aws(sandbox: Sandbox, clients: Clients) -> Iterator[AwsClient]:
    cluster = ClusterSpec(
        id="c1", name="my-cluster", aws=AwsSpec.model_validate(NETWORK), infra_id=INFRA
    )
    sandbox.seed(WorldSpec(now=NOW, clusters=[cluster]))
    client = clients.aws_client("c1", "us-east-1")
    yield client
    client.close()


def test_subnets_keep_the_worlds_ids_and_say_whether_they_are_public(aws: AwsClient) -> None:
    subnets = aws.get_subnets(["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"])
    assert [(s.id, s.cidr_block, s.map_public_ip_on_launch) for s in subnets] == [
        ("subnet-0a1b2c3d4e5f60001", "10.0.0.0/19", True),
        ("subnet-0a1b2c3d4e5f60002", "10.0.32.0/19", False),
    ]
    assert subnets[0].vpc_id == "vpc-0a1b2c3d4e5f60001"
    assert subnets[0].tags["kubernetes.io/role/elb"] == "1"


def test_a_subnets_route_table_is_its_own_or_else_the_vpcs_main_one(aws: AwsClient) -> None:
    main = aws.get_route_table_for_subnet("subnet-0a1b2c3d4e5f60001")
    own = aws.get_route_table_for_subnet("subnet-0a1b2c3d4e5f60002")
    bare = aws.get_route_table_for_subnet("subnet-0a1b2c3d4e5f60003")
    assert [main.main, own.main, bare.main] == [True, False, False]
    defaults = {
        name: [r.target[:4] for r in table.routes if r.destination_cidr_block == "0.0.0.0/0"]
        for name, table in (("main", main), ("own", own), ("bare", bare))
    }
    assert defaults == {"main": ["igw-"], "own": ["nat-"], "bare": []}
    assert own.subnet_ids == ["subnet-0a1b2c3d4e5f60002"]
    assert any(r.target == "local" for r in bare.routes)


def test_an_unknown_subnet_is_not_found(aws: AwsClient) -> None:
    with pytest.raises(NotFoundError):
        aws.get_route_table_for_subnet("subnet-0000000000000dead")


def test_security_groups_come_with_their_ingress_rules(aws: AwsClient) -> None:
    groups = aws.get_security_groups(["sg-0a1b2c3d4e5f60002"])
    assert [(g.id, g.name) for g in groups] == [("sg-0a1b2c3d4e5f60002", "nodes")]
    rule = groups[0].ingress[0]
    assert (rule.protocol, rule.from_port, rule.to_port, rule.cidr_blocks) == (
        "tcp",
        30000,
        32767,
        ["10.0.0.0/16"],
    )


def test_an_instances_security_groups_are_listed_once(aws: AwsClient, sandbox: Sandbox) -> None:
    instance = sandbox.aws.instance_ids[("c1", "i-infra-0")]
    assert aws.get_instance_security_group_ids([instance]) == ["sg-0a1b2c3d4e5f60002"]


def test_the_vpcs_dhcp_options_are_found_by_the_infra_id(aws: AwsClient) -> None:
    options = aws.get_vpc_dhcp_options(INFRA)
    assert options.vpc_id == "vpc-0a1b2c3d4e5f60001"
    assert options.domain_name_servers == ["10.0.0.2", "AmazonProvidedDNS"]
    with pytest.raises(NotFoundError, match="no VPC found"):
        aws.get_vpc_dhcp_options("another-cluster")


def test_hosted_zones_are_found_by_name_and_privacy_and_records_by_name(aws: AwsClient) -> None:
    private = aws.find_hosted_zone(DOMAIN, private=True)
    assert private is not None
    assert private.name == DOMAIN + "."
    assert aws.find_hosted_zone(DOMAIN, private=False) is None
    public = aws.find_hosted_zone("abcd.p1.openshiftapps.com.", private=False)
    assert public is not None
    assert not public.private
    wildcard = f"\\052.apps.{DOMAIN}."
    assert aws.has_record_set(private.id, wildcard, "A")
    assert not aws.has_record_set(public.id, wildcard, "A")
    records = {r.name: r for r in aws.list_record_sets(private.id)}
    assert records[wildcard].alias_target.startswith("router-nlb-1.")


def test_a_classic_load_balancer_is_found_by_dns_name_with_its_instances_health(
    aws: AwsClient,
) -> None:
    found = aws.find_classic_load_balancer("router-classic.us-east-1.elb.amazonaws.com")
    assert found is not None
    assert found.security_groups == ["sg-0a1b2c3d4e5f60001"]
    assert [(x.protocol, x.load_balancer_port, x.instance_port) for x in found.listeners] == [
        ("TCP", 443, 30443)
    ]
    states = sorted(h.state for h in aws.get_classic_instance_health(found.name))
    assert states == ["InService", "OutOfService"]
    assert aws.find_classic_load_balancer("nothing.example.com") is None


def test_a_v2_load_balancer_has_its_listeners_and_the_worlds_target_health(
    aws: AwsClient,
) -> None:
    found = aws.find_load_balancer_v2("router-nlb-1.us-east-1.elb.amazonaws.com")
    assert found is not None
    assert (found.type, found.scheme) == ("network", "internal")
    assert [(x.protocol, x.port) for x in aws.list_listeners_v2(found.arn)] == [("TCP", 443)]
    health = sorted((t.state, t.reason, t.port) for t in aws.get_target_health_v2(found.arn))
    assert health == [("healthy", "", 30443), ("unhealthy", "Target.FailedHealthChecks", 30443)]


def test_a_route53_failure_is_a_server_error(aws: AwsClient, sandbox: Sandbox) -> None:
    sandbox.faults("aws").add(path="/ListHostedZonesByName", status=503, times=5)
    with pytest.raises(ServerError):
        aws.find_hosted_zone(DOMAIN, private=True)


def test_reseeding_the_sandbox_drops_the_previous_network(
    aws: AwsClient, sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.reset()
    sandbox.seed(
        WorldSpec(now=NOW, clusters=[ClusterSpec(id="c1", name="my-cluster", infra_id=INFRA)])
    )
    fresh = clients.aws_client("c1", "us-east-1")
    try:
        assert (
            fresh.find_classic_load_balancer("router-classic.us-east-1.elb.amazonaws.com") is None
        )
        with pytest.raises(NotFoundError):
            fresh.get_subnets(["subnet-0a1b2c3d4e5f60001"])
    finally:
        fresh.close()


def test_instances_without_placement_are_unchanged(sandbox: Sandbox) -> None:
    spec = InstanceSpec(id="i-1")
    assert spec.subnet is None
    assert spec.security_groups == []


def test_the_network_documented_in_scenarios_md_seeds_as_written(
    sandbox: Sandbox, clients: Clients
) -> None:
    # Given the example of docs/scenarios.md's "The AWS network"
    text = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    block = text[text.index("### The AWS network") :].split("```yaml\n", 1)[1].split("```")[0]
    aws = AwsSpec.model_validate(yaml.safe_load(block)["aws"])
    # When a cluster with it is seeded
    sandbox.reset()
    sandbox.seed(WorldSpec(now=NOW, clusters=[ClusterSpec(id="c1", infra_id=INFRA, aws=aws)]))
    client = clients.aws_client("c1", "us-east-1")
    try:
        # Then the records point at the load balancer and the subnets route as documented
        zone = client.find_hosted_zone("my-cluster.abcd.p1.openshiftapps.com", private=True)
        assert zone is not None
        records = {r.name: r for r in client.list_record_sets(zone.id)}
        alias = records["\\052.apps.my-cluster.abcd.p1.openshiftapps.com."].alias_target
        assert alias == "router-default.us-east-1.elb.amazonaws.com"
        table = client.get_route_table_for_subnet("subnet-0a1b2c3d4e5f60002")
        assert table.id == "rtb-0a1b2c3d4e5f60002"
        assert client.get_vpc_dhcp_options(INFRA).domain_name_servers == ["AmazonProvidedDNS"]
    finally:
        client.close()
