"""The customer's AWS network, read-only: EC2 subnets, route tables, security groups and DHCP
options; Route53 hosted zones and record sets; classic and v2 load balancers. A mixin of
:class:`cad.clients.aws.AwsClient`, which provides the boto3 clients (``ec2`` and, made on
first use, ``route53``, ``elb`` and ``elbv2``). Every failure is an error of CAD's tree
(:mod:`cad.clients.aws_errors`); "not there" is ``None`` or an empty list where the original
answered so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cad.clients import aws_parse as parse
from cad.clients.aws_errors import translated
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

__all__ = ["NetworkReads"]


class NetworkReads:
    """The network reads of :class:`~cad.clients.aws.AwsClient`."""

    ec2: Any
    # The boto3 client of a service (``route53``, ``elb``, ``elbv2``), made on first use by
    # the class that mixes this in.
    _service: Callable[[str], Any]

    # --- EC2 -------------------------------------------------------------------------------

    def get_subnets(self, subnet_ids: list[str]) -> list[Subnet]:
        """The subnets with these ids (``NotFoundError`` if one does not exist)."""
        with translated("EC2 DescribeSubnets"):
            found = self.ec2.describe_subnets(SubnetIds=list(subnet_ids)).get("Subnets", [])
        return [parse.subnet(item) for item in found]

    def get_route_table_for_subnet(self, subnet_id: str) -> RouteTable:
        """The route table the subnet uses: the one associated with it, else its VPC's main
        table, as the original's ``GetRouteTableForSubnet`` finds it (``NotFoundError`` when
        the subnet or a main table does not exist)."""
        endpoint = "EC2 DescribeRouteTables"
        with translated(endpoint):
            tables = self.ec2.describe_route_tables(
                Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
            ).get("RouteTables", [])
        if tables:
            return parse.route_table(tables[0])
        vpc_id = next((s.vpc_id for s in self.get_subnets([subnet_id])), "")
        if not vpc_id:
            raise NotFoundError(
                f"no subnets returned for subnet id {subnet_id}",
                system="aws",
                endpoint="EC2 DescribeSubnets",
            )
        with translated(endpoint):
            tables = self.ec2.describe_route_tables(
                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]
            ).get("RouteTables", [])
        for table in (parse.route_table(item) for item in tables):
            if table.main:
                return table
        raise NotFoundError(
            f"no default route table found for vpc: {vpc_id}", system="aws", endpoint=endpoint
        )

    def get_security_groups(self, group_ids: list[str]) -> list[SecurityGroup]:
        """The security groups with these ids, with their rules (the original's
        ``GetSecurityGroupRules``)."""
        with translated("EC2 DescribeSecurityGroups"):
            found = self.ec2.describe_security_groups(GroupIds=list(group_ids)).get(
                "SecurityGroups", []
            )
        return [parse.security_group(item) for item in found]

    def get_instance_security_group_ids(self, instance_ids: list[str]) -> list[str]:
        """The ids of the security groups attached to these instances, each once, sorted."""
        groups: set[str] = set()
        with translated("EC2 DescribeInstances"):
            pages = self.ec2.get_paginator("describe_instances").paginate(
                InstanceIds=list(instance_ids)
            )
            for page in pages:
                for reservation in page.get("Reservations", []):
                    for instance in reservation.get("Instances", []):
                        for group in instance.get("SecurityGroups", []):
                            groups.add(str(group.get("GroupId", "")))
        return sorted(g for g in groups if g)

    def get_vpc_dhcp_options(self, infra_id: str) -> DhcpOptions:
        """The DHCP option set of the cluster's VPC (the VPC tagged
        ``kubernetes.io/cluster/<infra_id>``), as the original's ``GetVpcDhcpConfiguration``
        finds it; ``NotFoundError`` when there is no such VPC or it has no option set."""
        with translated("EC2 DescribeVpcs"):
            vpcs = self.ec2.describe_vpcs(
                Filters=[{"Name": "tag-key", "Values": [f"kubernetes.io/cluster/{infra_id}"]}]
            ).get("Vpcs", [])
        if not vpcs:
            raise NotFoundError(
                f"no VPC found with kubernetes.io/cluster/{infra_id} tag",
                system="aws",
                endpoint="EC2 DescribeVpcs",
            )
        vpc_id, options_id = str(vpcs[0].get("VpcId", "")), str(vpcs[0].get("DhcpOptionsId", ""))
        if not options_id or options_id == "default":
            raise NotFoundError(
                f"VPC {vpc_id} has no DHCP options set", system="aws", endpoint="EC2 DescribeVpcs"
            )
        with translated("EC2 DescribeDhcpOptions"):
            sets = self.ec2.describe_dhcp_options(DhcpOptionsIds=[options_id]).get(
                "DhcpOptions", []
            )
        if not sets:
            raise NotFoundError(
                f"DHCP options set {options_id} not found",
                system="aws",
                endpoint="EC2 DescribeDhcpOptions",
            )
        config = {
            str(c.get("Key", "")): [str(v.get("Value", "")) for v in c.get("Values", [])]
            for c in sets[0].get("DhcpConfigurations", [])
        }
        return DhcpOptions(
            id=options_id,
            vpc_id=vpc_id,
            domain_name_servers=config.get("domain-name-servers", []),
            domain_name=next(iter(config.get("domain-name", [])), ""),
            ntp_servers=config.get("ntp-servers", []),
        )

    # --- Route53 ---------------------------------------------------------------------------

    def find_hosted_zone(self, dns_name: str, *, private: bool) -> HostedZone | None:
        """The hosted zone named ``dns_name`` (a trailing dot optional) that is private or
        public as asked, or ``None`` (the original's ``FindHostedZone``)."""
        name = dns_name if dns_name.endswith(".") else dns_name + "."
        with translated("Route53 ListHostedZonesByName"):
            zones = (
                self._service("route53")
                .list_hosted_zones_by_name(DNSName=name)
                .get("HostedZones", [])
            )
        for zone in (parse.hosted_zone(item) for item in zones):
            if zone.name == name and zone.private == private:
                return zone
        return None

    def list_record_sets(self, hosted_zone_id: str) -> list[RecordSet]:
        """Every record set of the hosted zone, all pages."""
        found: list[RecordSet] = []
        with translated("Route53 ListResourceRecordSets"):
            pages = (
                self._service("route53")
                .get_paginator("list_resource_record_sets")
                .paginate(HostedZoneId=hosted_zone_id)
            )
            for page in pages:
                found.extend(parse.record_set(item) for item in page.get("ResourceRecordSets", []))
        return found

    def has_record_set(self, hosted_zone_id: str, record_name: str, record_type: str) -> bool:
        """Whether the zone holds a record set of that name and type. ``record_name`` fully
        qualified with its trailing dot, a leading wildcard written ``\\052`` as Route53 does
        (the original's ``HasResourceRecordSet``)."""
        with translated("Route53 ListResourceRecordSets"):
            sets = (
                self._service("route53")
                .list_resource_record_sets(
                    HostedZoneId=hosted_zone_id,
                    StartRecordName=record_name,
                    StartRecordType=record_type,
                    MaxItems="1",
                )
                .get("ResourceRecordSets", [])
            )
        return (
            bool(sets)
            and sets[0].get("Name") == record_name
            and sets[0].get("Type") == (record_type)
        )

    # --- ELB (classic) ---------------------------------------------------------------------

    def find_classic_load_balancer(self, dns_name: str) -> ClassicLoadBalancer | None:
        """The classic load balancer with this DNS name, or ``None`` (all pages; the
        original's ``FindCLBByDNSName``)."""
        with translated("ELB DescribeLoadBalancers"):
            for page in self._service("elb").get_paginator("describe_load_balancers").paginate():
                for item in page.get("LoadBalancerDescriptions", []):
                    if item.get("DNSName") == dns_name:
                        return parse.classic(item)
        return None

    def get_classic_instance_health(self, load_balancer_name: str) -> list[ClassicInstanceHealth]:
        """The health of each instance behind the classic load balancer."""
        with translated("ELB DescribeInstanceHealth"):
            states = (
                self._service("elb")
                .describe_instance_health(LoadBalancerName=load_balancer_name)
                .get("InstanceStates", [])
            )
        return [
            ClassicInstanceHealth(
                instance_id=str(s.get("InstanceId", "")),
                state=str(s.get("State", "")),
                reason_code=str(s.get("ReasonCode", "") or ""),
                description=str(s.get("Description", "") or ""),
            )
            for s in states
        ]

    # --- ELBv2 -----------------------------------------------------------------------------

    def find_load_balancer_v2(self, dns_name: str) -> LoadBalancerV2 | None:
        """The ELBv2 load balancer (network, application or gateway: see ``type``) with this
        DNS name, or ``None`` (all pages; the original's ``FindNLBByDNSName`` also required
        ``type == "network"``)."""
        with translated("ELBv2 DescribeLoadBalancers"):
            for page in self._service("elbv2").get_paginator("describe_load_balancers").paginate():
                for item in page.get("LoadBalancers", []):
                    if item.get("DNSName") == dns_name:
                        return parse.load_balancer_v2(item)
        return None

    def list_listeners_v2(self, load_balancer_arn: str) -> list[ListenerV2]:
        """The listeners of the ELBv2 load balancer."""
        found: list[ListenerV2] = []
        with translated("ELBv2 DescribeListeners"):
            pages = (
                self._service("elbv2")
                .get_paginator("describe_listeners")
                .paginate(LoadBalancerArn=load_balancer_arn)
            )
            for page in pages:
                found.extend(parse.listener_v2(item) for item in page.get("Listeners", []))
        return found

    def get_target_health_v2(self, load_balancer_arn: str) -> list[TargetHealth]:
        """The health of every target in every target group of the ELBv2 load balancer (the
        original's ``GetNLBTargetHealth``; the reason is empty for a healthy target)."""
        found: list[TargetHealth] = []
        with translated("ELBv2 DescribeTargetGroups"):
            groups = (
                self._service("elbv2")
                .describe_target_groups(LoadBalancerArn=load_balancer_arn)
                .get("TargetGroups", [])
            )
        for group in groups:
            arn = str(group.get("TargetGroupArn", ""))
            with translated("ELBv2 DescribeTargetHealth"):
                described = (
                    self._service("elbv2")
                    .describe_target_health(TargetGroupArn=arn)
                    .get("TargetHealthDescriptions", [])
                )
            for item in described:
                target, health = item.get("Target") or {}, item.get("TargetHealth") or {}
                state = str(health.get("State", ""))
                found.append(
                    TargetHealth(
                        target_group_arn=arn,
                        target_id=str(target.get("Id", "")),
                        port=int(target.get("Port") or 0),
                        state=state,
                        reason="" if state == "healthy" else str(health.get("Reason", "") or ""),
                        description=str(health.get("Description", "") or ""),
                    )
                )
        return found
