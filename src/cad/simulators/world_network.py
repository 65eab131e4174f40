"""The customer's AWS network in a scenario's world (``world.clusters[].aws``): the VPC with
its DHCP options, subnets with their route tables, security groups, Route53 hosted zones and
records, classic and v2 load balancers. ``docs/scenarios.md`` shows the shape; the AWS
simulator (:mod:`cad.simulators.aws_network`) creates it in moto with the ids given here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DhcpOptionsSpec",
    "HostedZoneSpec",
    "LoadBalancerSpec",
    "NetworkSpec",
    "RecordSpec",
    "RouteSpec",
    "SecurityGroupRuleSpec",
    "SecurityGroupSpec",
    "SubnetSpec",
    "TargetSpec",
    "VpcSpec",
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _prefixed(prefix: str) -> Callable[[str | None], str | None]:
    def check(value: str | None) -> str | None:
        if value is not None and not value.startswith(prefix):
            raise ValueError(f"must start with {prefix!r}")
        return value

    return check


class DhcpOptionsSpec(_Spec):
    """The VPC's DHCP option set. An empty ``domain_name_servers`` is a set naming none."""

    id: str | None = None
    domain_name_servers: list[str] = ["AmazonProvidedDNS"]
    domain_name: str = "ec2.internal"

    _id = field_validator("id")(_prefixed("dopt-"))


class RouteSpec(_Spec):
    """A route: a destination CIDR to the VPC's internet gateway (``igw``) or to a NAT
    gateway (``nat``)."""

    destination: str = "0.0.0.0/0"
    target: Literal["igw", "nat"] = "nat"


class VpcSpec(_Spec):
    """The cluster's VPC, tagged ``kubernetes.io/cluster/<infra_id>: owned``.
    ``main_routes`` are the main route table's routes besides the local one."""

    id: str | None = None
    cidr: str = "10.0.0.0/16"
    main_routes: list[RouteSpec] = []
    dhcp_options: DhcpOptionsSpec | None = DhcpOptionsSpec()

    _id = field_validator("id")(_prefixed("vpc-"))


class SubnetSpec(_Spec):
    """A subnet of the VPC. ``public`` maps public IPs on launch (and tags it as the
    installer does an ELB subnet). ``routes``: the routes of a route table of its own
    (``[]``: one with the local route only); absent, the subnet uses the VPC's main table."""

    id: str = Field(min_length=1)
    cidr: str
    public: bool = False
    availability_zone: str | None = None
    routes: list[RouteSpec] | None = None
    route_table_id: str | None = None

    _id = field_validator("id")(_prefixed("subnet-"))
    _rtb = field_validator("route_table_id")(_prefixed("rtb-"))


class SecurityGroupRuleSpec(_Spec):
    """An ingress rule: ``protocol`` ``tcp``, ``udp``, ``icmp`` or ``-1`` (all), the port
    range (absent for ``-1``) and the source CIDRs."""

    protocol: str = "tcp"
    from_port: int | None = None
    to_port: int | None = None
    cidrs: list[str] = ["0.0.0.0/0"]


class SecurityGroupSpec(_Spec):
    """A security group of the VPC with its ingress rules."""

    id: str = Field(min_length=1)
    name: str = ""
    description: str = "security group"
    ingress: list[SecurityGroupRuleSpec] = []

    _id = field_validator("id")(_prefixed("sg-"))


class RecordSpec(_Spec):
    """A record set: ``values`` or an ``alias_target`` (a DNS name, e.g. a load balancer's).
    A leading ``*`` is stored as Route53 stores it, ``\\052``."""

    name: str = Field(min_length=1)
    type: str = "A"
    ttl: int = 300
    values: list[str] = []
    alias_target: str | None = None


class HostedZoneSpec(_Spec):
    """A Route53 hosted zone; a private one is associated with the cluster's VPC."""

    name: str = Field(min_length=1)
    private: bool = False
    records: list[RecordSpec] = []


class TargetSpec(_Spec):
    """An instance registered with a load balancer (the scenario's instance id). For a v2
    load balancer, its health in the target group of ``port``; a classic load balancer's
    instance is ``InService`` while it runs, as moto decides."""

    instance: str = Field(min_length=1)
    port: int = 443
    state: Literal["healthy", "unhealthy", "initial", "draining", "unused", "unavailable"] = (
        "healthy"
    )
    reason: str = ""
    description: str = ""


class ListenerSpec(_Spec):
    """A listener: ``port`` on the load balancer, forwarded to ``instance_port``."""

    protocol: str = "TCP"
    port: int = 443
    instance_port: int | None = None


class LoadBalancerSpec(_Spec):
    """A load balancer: ``classic`` (ELB) or ``network`` / ``application`` (ELBv2). Its DNS
    name is moto's (``<name>.us-east-1.elb.amazonaws.com`` for classic,
    ``<name>-1.<region>.elb.amazonaws.com`` for v2) unless ``dns_name`` is given."""

    name: str = Field(min_length=1, max_length=32)
    type: Literal["classic", "network", "application"] = "classic"
    scheme: Literal["internet-facing", "internal"] = "internet-facing"
    dns_name: str | None = None
    subnets: list[str] = []
    security_groups: list[str] = []
    listeners: list[ListenerSpec] = [ListenerSpec()]
    targets: list[TargetSpec] = []


class NetworkSpec(_Spec):
    """Everything of the network (the fields of ``AwsSpec`` below ``cloudtrail``)."""

    vpc: VpcSpec | None = None
    subnets: list[SubnetSpec] = []
    byovpc: bool = False
    security_groups: list[SecurityGroupSpec] = []
    hosted_zones: list[HostedZoneSpec] = []
    load_balancers: list[LoadBalancerSpec] = []
