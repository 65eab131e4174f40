"""The network's AWS answers (boto3's dicts) as :mod:`cad.clients.aws_models`; a missing
required field is a :class:`~cad.errors.MalformedResponseError`."""

from __future__ import annotations

from typing import Any

from cad.clients.aws_models import (
    ClassicListener,
    ClassicLoadBalancer,
    HostedZone,
    ListenerV2,
    LoadBalancerV2,
    RecordSet,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from cad.errors import MalformedResponseError

__all__ = [
    "classic",
    "hosted_zone",
    "listener_v2",
    "load_balancer_v2",
    "record_set",
    "route_table",
    "security_group",
    "subnet",
]


def _malformed(what: str, endpoint: str, exc: Exception) -> MalformedResponseError:
    return MalformedResponseError(f"{what} ({type(exc).__name__})", system="aws", endpoint=endpoint)


def _tags(item: dict[str, Any]) -> dict[str, str]:
    return {str(t.get("Key", "")): str(t.get("Value", "")) for t in item.get("Tags") or []}


def subnet(item: dict[str, Any]) -> Subnet:
    try:
        return Subnet(
            id=item["SubnetId"],
            vpc_id=str(item.get("VpcId", "")),
            cidr_block=str(item.get("CidrBlock", "")),
            availability_zone=str(item.get("AvailabilityZone", "")),
            map_public_ip_on_launch=bool(item.get("MapPublicIpOnLaunch", False)),
            tags=_tags(item),
        )
    except (KeyError, TypeError) as exc:
        raise _malformed("a subnet lacks SubnetId", "EC2 DescribeSubnets", exc) from exc


_ROUTE_FIELDS = {
    "DestinationCidrBlock": "destination_cidr_block",
    "DestinationIpv6CidrBlock": "destination_ipv6_cidr_block",
    "DestinationPrefixListId": "destination_prefix_list_id",
    "GatewayId": "gateway_id",
    "NatGatewayId": "nat_gateway_id",
    "TransitGatewayId": "transit_gateway_id",
    "NetworkInterfaceId": "network_interface_id",
    "InstanceId": "instance_id",
    "VpcPeeringConnectionId": "vpc_peering_connection_id",
    "State": "state",
}


def route_table(item: dict[str, Any]) -> RouteTable:
    try:
        associations = item.get("Associations") or []
        return RouteTable(
            id=item["RouteTableId"],
            vpc_id=str(item.get("VpcId", "")),
            main=any(bool(a.get("Main")) for a in associations),
            subnet_ids=[str(a["SubnetId"]) for a in associations if a.get("SubnetId")],
            routes=[
                Route(
                    **{
                        ours: str(r[theirs])
                        for theirs, ours in _ROUTE_FIELDS.items()
                        if r.get(theirs)
                    }
                )
                for r in item.get("Routes") or []
            ],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise _malformed(
            "a route table lacks RouteTableId", "EC2 DescribeRouteTables", exc
        ) from exc


def _rule(item: dict[str, Any]) -> SecurityGroupRule:
    return SecurityGroupRule(
        protocol=str(item.get("IpProtocol", "")),
        from_port=item.get("FromPort"),
        to_port=item.get("ToPort"),
        cidr_blocks=[str(r.get("CidrIp", "")) for r in item.get("IpRanges") or []],
        ipv6_cidr_blocks=[str(r.get("CidrIpv6", "")) for r in item.get("Ipv6Ranges") or []],
        source_group_ids=[str(g.get("GroupId", "")) for g in item.get("UserIdGroupPairs") or []],
        prefix_list_ids=[str(p.get("PrefixListId", "")) for p in item.get("PrefixListIds") or []],
    )


def security_group(item: dict[str, Any]) -> SecurityGroup:
    try:
        return SecurityGroup(
            id=item["GroupId"],
            name=str(item.get("GroupName", "")),
            vpc_id=str(item.get("VpcId", "")),
            description=str(item.get("Description", "")),
            ingress=[_rule(p) for p in item.get("IpPermissions") or []],
            egress=[_rule(p) for p in item.get("IpPermissionsEgress") or []],
            tags=_tags(item),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise _malformed(
            "a security group lacks GroupId", "EC2 DescribeSecurityGroups", exc
        ) from exc


def hosted_zone(item: dict[str, Any]) -> HostedZone:
    try:
        return HostedZone(
            id=str(item["Id"]).removeprefix("/hostedzone/"),
            name=str(item["Name"]),
            private=bool((item.get("Config") or {}).get("PrivateZone", False)),
            record_count=int(item.get("ResourceRecordSetCount") or 0),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _malformed(
            "a hosted zone lacks Id or Name", "Route53 ListHostedZonesByName", exc
        ) from exc


def record_set(item: dict[str, Any]) -> RecordSet:
    try:
        return RecordSet(
            name=str(item["Name"]),
            type=str(item["Type"]),
            ttl=item.get("TTL"),
            values=[str(r.get("Value", "")) for r in item.get("ResourceRecords") or []],
            alias_target=str((item.get("AliasTarget") or {}).get("DNSName", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _malformed(
            "a record set lacks Name or Type", "Route53 ListResourceRecordSets", exc
        ) from exc


def classic(item: dict[str, Any]) -> ClassicLoadBalancer:
    try:
        return ClassicLoadBalancer(
            name=str(item["LoadBalancerName"]),
            dns_name=str(item.get("DNSName", "")),
            scheme=str(item.get("Scheme", "")),
            vpc_id=str(item.get("VPCId", "") or ""),
            subnet_ids=[str(s) for s in item.get("Subnets") or []],
            security_groups=[str(s) for s in item.get("SecurityGroups") or []],
            listeners=[
                ClassicListener(
                    protocol=str(d["Listener"]["Protocol"]),
                    load_balancer_port=int(d["Listener"]["LoadBalancerPort"]),
                    instance_protocol=str(d["Listener"].get("InstanceProtocol", "")),
                    instance_port=int(d["Listener"].get("InstancePort") or 0),
                )
                for d in item.get("ListenerDescriptions") or []
            ],
            instance_ids=[str(i.get("InstanceId", "")) for i in item.get("Instances") or []],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _malformed(
            "a load balancer lacks LoadBalancerName", "ELB DescribeLoadBalancers", exc
        ) from exc


def load_balancer_v2(item: dict[str, Any]) -> LoadBalancerV2:
    try:
        return LoadBalancerV2(
            arn=str(item["LoadBalancerArn"]),
            name=str(item["LoadBalancerName"]),
            dns_name=str(item.get("DNSName", "")),
            type=str(item.get("Type", "")),
            scheme=str(item.get("Scheme", "")),
            vpc_id=str(item.get("VpcId", "")),
            state=str((item.get("State") or {}).get("Code", "")),
            security_groups=[str(s) for s in item.get("SecurityGroups") or []],
            subnet_ids=[str(z.get("SubnetId", "")) for z in item.get("AvailabilityZones") or []],
        )
    except (KeyError, TypeError) as exc:
        raise _malformed(
            "a load balancer lacks LoadBalancerArn or LoadBalancerName",
            "ELBv2 DescribeLoadBalancers",
            exc,
        ) from exc


def listener_v2(item: dict[str, Any]) -> ListenerV2:
    try:
        return ListenerV2(
            arn=str(item["ListenerArn"]),
            protocol=str(item.get("Protocol", "")),
            port=int(item.get("Port") or 0),
            target_group_arns=[
                str(a["TargetGroupArn"])
                for a in item.get("DefaultActions") or []
                if a.get("TargetGroupArn")
            ],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _malformed("a listener lacks ListenerArn", "ELBv2 DescribeListeners", exc) from exc
