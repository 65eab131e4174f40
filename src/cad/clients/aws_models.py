"""Plain data of the customer's AWS network as CAD reads it: EC2 subnets, route tables,
security groups and DHCP options; Route53 hosted zones and record sets; classic (ELB) and v2
(ELBv2) load balancers with their listeners and target health. No I/O here: investigations'
``checks.py`` may import these."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ClassicInstanceHealth",
    "ClassicListener",
    "ClassicLoadBalancer",
    "DhcpOptions",
    "HostedZone",
    "ListenerV2",
    "LoadBalancerV2",
    "RecordSet",
    "Route",
    "RouteTable",
    "SecurityGroup",
    "SecurityGroupRule",
    "Subnet",
    "TargetHealth",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Subnet(_Model):
    """An EC2 subnet (``DescribeSubnets``)."""

    id: str
    vpc_id: str = ""
    cidr_block: str = ""
    availability_zone: str = ""
    map_public_ip_on_launch: bool = False
    tags: dict[str, str] = {}


class Route(_Model):
    """One route of a route table. The destination is a CIDR (IPv4 or IPv6) or a prefix list;
    the target one of the gateway, NAT gateway, transit gateway, network interface, instance
    or peering connection ids (``local`` is the VPC's own route)."""

    destination_cidr_block: str = ""
    destination_ipv6_cidr_block: str = ""
    destination_prefix_list_id: str = ""
    gateway_id: str = ""
    nat_gateway_id: str = ""
    transit_gateway_id: str = ""
    network_interface_id: str = ""
    instance_id: str = ""
    vpc_peering_connection_id: str = ""
    state: str = "active"

    @property
    def target(self) -> str:
        """The route's target id (``local``, ``igw-…``, ``nat-…``, ...), or ``""``."""
        return (
            self.gateway_id
            or self.nat_gateway_id
            or self.transit_gateway_id
            or self.network_interface_id
            or self.instance_id
            or self.vpc_peering_connection_id
        )


class RouteTable(_Model):
    """An EC2 route table. ``main`` when it is its VPC's main table; ``subnet_ids`` are the
    subnets explicitly associated with it."""

    id: str
    vpc_id: str = ""
    main: bool = False
    subnet_ids: list[str] = []
    routes: list[Route] = []


class SecurityGroupRule(_Model):
    """One ingress or egress permission. ``protocol`` is ``tcp``, ``udp``, ``icmp`` or ``-1``
    (all traffic, every port: the ports are then ``None``)."""

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidr_blocks: list[str] = []
    ipv6_cidr_blocks: list[str] = []
    source_group_ids: list[str] = []
    prefix_list_ids: list[str] = []


class SecurityGroup(_Model):
    """An EC2 security group with its rules (``DescribeSecurityGroups``)."""

    id: str
    name: str = ""
    vpc_id: str = ""
    description: str = ""
    ingress: list[SecurityGroupRule] = []
    egress: list[SecurityGroupRule] = []
    tags: dict[str, str] = {}


class DhcpOptions(_Model):
    """A VPC's DHCP option set. ``domain_name_servers`` is empty when the set names none
    (AWS then uses its own resolver, as with ``AmazonProvidedDNS``)."""

    id: str
    vpc_id: str = ""
    domain_name_servers: list[str] = []
    domain_name: str = ""
    ntp_servers: list[str] = []


class HostedZone(_Model):
    """A Route53 hosted zone. ``id`` without the ``/hostedzone/`` prefix; ``name`` fully
    qualified, with its trailing dot."""

    id: str
    name: str
    private: bool = False
    record_count: int = 0


class RecordSet(_Model):
    """A Route53 record set. ``name`` as Route53 returns it (a leading ``*`` is ``\\052``);
    ``values`` the record values, or the alias target's DNS name in ``alias_target``."""

    name: str
    type: str
    ttl: int | None = None
    values: list[str] = []
    alias_target: str = ""


class ClassicListener(_Model):
    """A classic load balancer's listener."""

    protocol: str
    load_balancer_port: int
    instance_protocol: str = ""
    instance_port: int = 0


class ClassicLoadBalancer(_Model):
    """A classic (ELB) load balancer. ``scheme`` is ``internet-facing`` or ``internal``."""

    name: str
    dns_name: str = ""
    scheme: str = ""
    vpc_id: str = ""
    subnet_ids: list[str] = []
    security_groups: list[str] = []
    listeners: list[ClassicListener] = []
    instance_ids: list[str] = []


class ClassicInstanceHealth(_Model):
    """One instance's health behind a classic load balancer (``InService``,
    ``OutOfService`` or ``Unknown``)."""

    instance_id: str
    state: str
    reason_code: str = ""
    description: str = ""


class LoadBalancerV2(_Model):
    """An ELBv2 load balancer. ``type`` is ``network``, ``application`` or ``gateway``;
    ``scheme`` ``internet-facing`` or ``internal``."""

    arn: str
    name: str
    dns_name: str = ""
    type: str = ""
    scheme: str = ""
    vpc_id: str = ""
    state: str = ""
    security_groups: list[str] = []
    subnet_ids: list[str] = []


class ListenerV2(_Model):
    """An ELBv2 listener."""

    arn: str
    protocol: str = ""
    port: int = 0
    target_group_arns: list[str] = []


class TargetHealth(_Model):
    """One target's health in one of an ELBv2 load balancer's target groups. ``state`` is
    ``healthy``, ``unhealthy``, ``initial``, ``draining``, ``unused`` or ``unavailable``;
    ``reason`` is empty when healthy."""

    target_group_arn: str
    target_id: str
    port: int = 0
    state: str = ""
    reason: str = ""
    description: str = ""
