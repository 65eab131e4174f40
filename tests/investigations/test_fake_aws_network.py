"""FakeWorld's AWS network answers as the client does: a route table by association or the
VPC's main one, zones by name with or without the trailing dot, load balancers by DNS name."""

from __future__ import annotations

import pytest

from cad.clients.aws_models import (
    ClassicLoadBalancer,
    HostedZone,
    LoadBalancerV2,
    RecordSet,
    RouteTable,
    Subnet,
    TargetHealth,
)
from cad.errors import NotFoundError
from cad.testing.readers import FakeWorld


def test_a_subnet_without_its_own_table_gets_its_vpcs_main_table() -> None:
    world = FakeWorld(
        subnets=[Subnet(id="subnet-1", vpc_id="vpc-1"), Subnet(id="subnet-2", vpc_id="vpc-1")],
        route_tables=[
            RouteTable(id="rtb-main", vpc_id="vpc-1", main=True),
            RouteTable(id="rtb-own", vpc_id="vpc-1", subnet_ids=["subnet-2"]),
        ],
    )
    assert world.get_route_table_for_subnet("subnet-1").id == "rtb-main"
    assert world.get_route_table_for_subnet("subnet-2").id == "rtb-own"
    with pytest.raises(NotFoundError):
        world.get_route_table_for_subnet("subnet-3")
    with pytest.raises(NotFoundError):
        world.get_subnets(["subnet-3"])


def test_zones_records_and_load_balancers_are_found_as_the_client_finds_them() -> None:
    world = FakeWorld(
        hosted_zones=[HostedZone(id="Z1", name="c.example.com.", private=True)],
        record_sets={"Z1": [RecordSet(name="\\052.apps.c.example.com.", type="A")]},
        classic_load_balancers=[ClassicLoadBalancer(name="clb", dns_name="clb.example.com")],
        load_balancers_v2=[LoadBalancerV2(arn="arn:1", name="nlb", dns_name="nlb.example.com")],
        target_health_v2={"arn:1": [TargetHealth(target_group_arn="tg", target_id="i-1")]},
    )
    zone = world.find_hosted_zone("c.example.com", private=True)
    assert zone is not None
    assert world.find_hosted_zone("c.example.com.", private=False) is None
    assert world.has_record_set(zone.id, "\\052.apps.c.example.com.", "A")
    assert not world.has_record_set(zone.id, "\\052.apps.c.example.com.", "CNAME")
    assert world.find_classic_load_balancer("clb.example.com") is not None
    assert world.find_load_balancer_v2("clb.example.com") is None
    assert [t.target_id for t in world.get_target_health_v2("arn:1")] == ["i-1"]


def test_a_network_call_fails_when_told_to() -> None:
    world = FakeWorld()
    world.fail["get_vpc_dhcp_options"] = NotFoundError("no VPC", system="aws", endpoint="x")
    with pytest.raises(NotFoundError):
        world.get_vpc_dhcp_options("infra")
    assert world.calls == ["get_vpc_dhcp_options"]
