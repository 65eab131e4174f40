"""The customer's AWS network in memory: the network half of ``AwsRead`` for
:class:`cad.testing.readers.FakeWorld` (which mixes this in). Fill the lists and maps; set
``world.fail["get_route_table_for_subnet"]`` (any method's name) to make a call raise."""

from __future__ import annotations

from dataclasses import dataclass, field

from cad.clients.aws_models import (
    ClassicInstanceHealth,
    ClassicLoadBalancer,
    DhcpOptions,
    HostedZone,
    ListenerV2,
    LoadBalancerV2,
    RecordSet,
    RouteTable,
    SecurityGroup,
    Subnet,
    TargetHealth,
)
from cad.errors import NotFoundError

__all__ = ["FakeAwsNetwork"]


def _missing(what: str, endpoint: str) -> NotFoundError:
    return NotFoundError(what, system="aws", endpoint=endpoint, status=400)


@dataclass
class FakeAwsNetwork:
    """EC2 networking, Route53 and load balancers of one account, answered as the real
    client answers (:mod:`cad.clients.aws_network`)."""

    subnets: list[Subnet] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    instance_security_groups: dict[str, list[str]] = field(default_factory=dict)
    dhcp_options: DhcpOptions | None = None
    hosted_zones: list[HostedZone] = field(default_factory=list)
    record_sets: dict[str, list[RecordSet]] = field(default_factory=dict)  # by zone id
    classic_load_balancers: list[ClassicLoadBalancer] = field(default_factory=list)
    classic_instance_health: dict[str, list[ClassicInstanceHealth]] = field(
        default_factory=dict
    )  # by load balancer name
    load_balancers_v2: list[LoadBalancerV2] = field(default_factory=list)
    listeners_v2: dict[str, list[ListenerV2]] = field(default_factory=dict)  # by LB arn
    target_health_v2: dict[str, list[TargetHealth]] = field(default_factory=dict)  # by LB arn

    def _call(self, name: str) -> None:
        """Record the call and raise the failure set for it (FakeWorld provides this)."""

    def get_subnets(self, subnet_ids: list[str]) -> list[Subnet]:
        self._call("get_subnets")
        known = {s.id: s for s in self.subnets}
        for wanted in subnet_ids:
            if wanted not in known:
                raise _missing(f"The subnet ID '{wanted}' does not exist", "EC2 DescribeSubnets")
        return [known[s] for s in subnet_ids]

    def get_route_table_for_subnet(self, subnet_id: str) -> RouteTable:
        self._call("get_route_table_for_subnet")
        for table in self.route_tables:
            if subnet_id in table.subnet_ids:
                return table
        vpc = next((s.vpc_id for s in self.subnets if s.id == subnet_id), None)
        if vpc is None:
            raise _missing(f"no subnets returned for subnet id {subnet_id}", "EC2 DescribeSubnets")
        for table in self.route_tables:
            if table.main and table.vpc_id == vpc:
                return table
        raise _missing(f"no default route table found for vpc: {vpc}", "EC2 DescribeRouteTables")

    def get_security_groups(self, group_ids: list[str]) -> list[SecurityGroup]:
        self._call("get_security_groups")
        return [g for g in self.security_groups if g.id in group_ids]

    def get_instance_security_group_ids(self, instance_ids: list[str]) -> list[str]:
        self._call("get_instance_security_group_ids")
        return sorted({g for i in instance_ids for g in self.instance_security_groups.get(i, [])})

    def get_vpc_dhcp_options(self, infra_id: str) -> DhcpOptions:
        self._call("get_vpc_dhcp_options")
        if self.dhcp_options is None:
            raise _missing(
                f"no VPC found with kubernetes.io/cluster/{infra_id} tag", "EC2 DescribeVpcs"
            )
        return self.dhcp_options

    def find_hosted_zone(self, dns_name: str, *, private: bool) -> HostedZone | None:
        self._call("find_hosted_zone")
        name = dns_name if dns_name.endswith(".") else dns_name + "."
        return next((z for z in self.hosted_zones if z.name == name and z.private == private), None)

    def list_record_sets(self, hosted_zone_id: str) -> list[RecordSet]:
        self._call("list_record_sets")
        return list(self.record_sets.get(hosted_zone_id, []))

    def has_record_set(self, hosted_zone_id: str, record_name: str, record_type: str) -> bool:
        self._call("has_record_set")
        return any(
            r.name == record_name and r.type == record_type
            for r in self.record_sets.get(hosted_zone_id, [])
        )

    def find_classic_load_balancer(self, dns_name: str) -> ClassicLoadBalancer | None:
        self._call("find_classic_load_balancer")
        return next((b for b in self.classic_load_balancers if b.dns_name == dns_name), None)

    def get_classic_instance_health(self, load_balancer_name: str) -> list[ClassicInstanceHealth]:
        self._call("get_classic_instance_health")
        return list(self.classic_instance_health.get(load_balancer_name, []))

    def find_load_balancer_v2(self, dns_name: str) -> LoadBalancerV2 | None:
        self._call("find_load_balancer_v2")
        return next((b for b in self.load_balancers_v2 if b.dns_name == dns_name), None)

    def list_listeners_v2(self, load_balancer_arn: str) -> list[ListenerV2]:
        self._call("list_listeners_v2")
        return list(self.listeners_v2.get(load_balancer_arn, []))

    def get_target_health_v2(self, load_balancer_arn: str) -> list[TargetHealth]:
        self._call("get_target_health_v2")
        return list(self.target_health_v2.get(load_balancer_arn, []))
