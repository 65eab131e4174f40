"""Seeds a cluster's AWS network (:mod:`cad.simulators.world_network`) into moto through its
API, in the customer's account: the VPC (tagged with the infra id) and its DHCP options,
subnets and route tables (to an internet gateway or a NAT gateway), security groups, load
balancers (classic and v2) and Route53 hosted zones.

EC2 resources keep the ids the scenario gives them (moto draws ids at random: while one is
created, its prefix's draw answers the wanted id), so notes naming a subnet or a security
group can be expected verbatim. A v2 target's health is the scenario's (moto derives it from
the instance's state)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import moto.ec2.utils as ec2_utils
from moto.backends import get_backend
from moto.elbv2.models import FakeHealthStatus

from cad.simulators.world_network import (
    HostedZoneSpec,
    LoadBalancerSpec,
    NetworkSpec,
    RouteSpec,
    SubnetSpec,
    VpcSpec,
)

__all__ = ["NetworkSeeder", "needs_network"]

_ID_LOCK = threading.Lock()


@contextmanager
def _fixed_id(kind: str, wanted: str | None) -> Iterator[None]:
    """While inside, moto's first draw of an id with prefix ``kind`` answers ``wanted``."""
    if wanted is None:
        yield
        return
    with _ID_LOCK:
        original: Callable[..., str] = ec2_utils.random_id
        pending = [wanted]

        def draw(prefix: str = "", size: int = 17) -> str:
            if prefix == kind and pending:
                return pending.pop()
            return original(prefix=prefix, size=size)

        ec2_utils.random_id = draw
        try:
            yield
        finally:
            ec2_utils.random_id = original


def needs_network(spec: NetworkSpec) -> bool:
    """Whether the world has anything of the network to create."""
    return bool(
        spec.vpc or spec.subnets or spec.security_groups or spec.hosted_zones or spec.load_balancers
    )


class NetworkSeeder:
    """Creates one cluster's network with clients holding the customer account's
    credentials (``clients(service)``)."""

    def __init__(
        self, clients: Callable[[str], Any], account: str, region: str, infra_id: str
    ) -> None:
        self.clients = clients
        self.account, self.region, self.infra_id = account, region, infra_id
        self.ec2 = clients("ec2")
        self.vpc_id = ""
        self._igw = ""
        self._nat: dict[str, str] = {}

    # --- the VPC ---------------------------------------------------------------------------

    def seed_vpc(self, spec: NetworkSpec) -> None:
        """The VPC, its DHCP options, subnets, route tables and security groups."""
        vpc = spec.vpc or VpcSpec()
        # The account's backend is built on its first call, default VPC and subnets included:
        # build it before a wanted id is waiting, or the default VPC would take it.
        self.ec2.describe_vpcs()
        with _fixed_id("vpc", vpc.id):
            self.vpc_id = self.ec2.create_vpc(CidrBlock=vpc.cidr)["Vpc"]["VpcId"]
        self.ec2.create_tags(
            Resources=[self.vpc_id],
            Tags=[{"Key": f"kubernetes.io/cluster/{self.infra_id}", "Value": "owned"}],
        )
        if vpc.dhcp_options is not None:
            options = vpc.dhcp_options
            config = [{"Key": "domain-name", "Values": [options.domain_name]}]
            if options.domain_name_servers:
                config.append(
                    {"Key": "domain-name-servers", "Values": list(options.domain_name_servers)}
                )
            with _fixed_id("dopt", options.id):
                dopt = self.ec2.create_dhcp_options(DhcpConfigurations=config)
            self.ec2.associate_dhcp_options(
                DhcpOptionsId=dopt["DhcpOptions"]["DhcpOptionsId"], VpcId=self.vpc_id
            )
        for subnet in spec.subnets:
            self._subnet(subnet)
        main = self.ec2.describe_route_tables(
            Filters=[
                {"Name": "vpc-id", "Values": [self.vpc_id]},
                {"Name": "association.main", "Values": ["true"]},
            ]
        )["RouteTables"][0]["RouteTableId"]
        self._routes(main, vpc.main_routes, spec.subnets[0].id if spec.subnets else "")
        for subnet in spec.subnets:
            if subnet.routes is not None:
                with _fixed_id("rtb", subnet.route_table_id):
                    table = self.ec2.create_route_table(VpcId=self.vpc_id)["RouteTable"]
                self.ec2.associate_route_table(
                    RouteTableId=table["RouteTableId"], SubnetId=subnet.id
                )
                self._routes(table["RouteTableId"], subnet.routes, subnet.id)
        for group in spec.security_groups:
            with _fixed_id("sg", group.id):
                made = self.ec2.create_security_group(
                    GroupName=group.name or group.id,
                    Description=group.description,
                    VpcId=self.vpc_id,
                )["GroupId"]
            if group.ingress:
                self.ec2.authorize_security_group_ingress(
                    GroupId=made,
                    IpPermissions=[
                        {
                            "IpProtocol": rule.protocol,
                            **({"FromPort": rule.from_port} if rule.from_port is not None else {}),
                            **({"ToPort": rule.to_port} if rule.to_port is not None else {}),
                            "IpRanges": [{"CidrIp": cidr} for cidr in rule.cidrs],
                        }
                        for rule in group.ingress
                    ],
                )

    def _subnet(self, subnet: SubnetSpec) -> None:
        zone = subnet.availability_zone or f"{self.region}a"
        with _fixed_id("subnet", subnet.id):
            self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=subnet.cidr, AvailabilityZone=zone)
        role = "kubernetes.io/role/elb" if subnet.public else "kubernetes.io/role/internal-elb"
        self.ec2.create_tags(Resources=[subnet.id], Tags=[{"Key": role, "Value": "1"}])
        if subnet.public:
            self.ec2.modify_subnet_attribute(
                SubnetId=subnet.id, MapPublicIpOnLaunch={"Value": True}
            )

    def _routes(self, table: str, routes: list[RouteSpec], subnet_id: str) -> None:
        for route in routes:
            target: dict[str, str]
            if route.target == "igw":
                target = {"GatewayId": self._internet_gateway()}
            else:
                target = {"NatGatewayId": self._nat_gateway(subnet_id)}
            self.ec2.create_route(
                RouteTableId=table, DestinationCidrBlock=route.destination, **target
            )

    def _internet_gateway(self) -> str:
        if not self._igw:
            self._igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            self.ec2.attach_internet_gateway(InternetGatewayId=self._igw, VpcId=self.vpc_id)
        return self._igw

    def _nat_gateway(self, subnet_id: str) -> str:
        if subnet_id not in self._nat:
            allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
            self._nat[subnet_id] = self.ec2.create_nat_gateway(
                SubnetId=subnet_id, AllocationId=allocation
            )["NatGateway"]["NatGatewayId"]
        return self._nat[subnet_id]

    # --- load balancers and DNS ------------------------------------------------------------

    def seed_load_balancers(
        self, balancers: list[LoadBalancerSpec], instance_ids: dict[str, str]
    ) -> dict[str, str]:
        """Create the load balancers; their DNS names by name."""
        names: dict[str, str] = {}
        for balancer in balancers:
            targets = [(instance_ids.get(t.instance, t.instance), t) for t in balancer.targets]
            if balancer.type == "classic":
                names[balancer.name] = self._classic(balancer, [i for i, _ in targets])
            else:
                names[balancer.name] = self._v2(balancer, targets)
        return names

    def _classic(self, balancer: LoadBalancerSpec, instances: list[str]) -> str:
        elb = self.clients("elb")
        elb.create_load_balancer(
            LoadBalancerName=balancer.name,
            Listeners=[
                {
                    "Protocol": listener.protocol,
                    "LoadBalancerPort": listener.port,
                    "InstancePort": listener.instance_port or listener.port,
                }
                for listener in balancer.listeners
            ],
            Subnets=list(balancer.subnets),
            SecurityGroups=list(balancer.security_groups),
            Scheme=balancer.scheme,
        )
        if instances:
            elb.register_instances_with_load_balancer(
                LoadBalancerName=balancer.name,
                Instances=[{"InstanceId": i} for i in instances],
            )
        found = get_backend("elb")[self.account][self.region].load_balancers[balancer.name]
        if balancer.dns_name:
            found.dns_name = balancer.dns_name
        return str(found.dns_name)

    def _v2(self, balancer: LoadBalancerSpec, targets: list[tuple[str, Any]]) -> str:
        elbv2 = self.clients("elbv2")
        params: dict[str, Any] = {
            "Name": balancer.name,
            "Subnets": list(balancer.subnets),
            "Scheme": balancer.scheme,
            "Type": balancer.type,
        }
        if balancer.security_groups:
            params["SecurityGroups"] = list(balancer.security_groups)
        made = elbv2.create_load_balancer(**params)["LoadBalancers"][0]
        arn = made["LoadBalancerArn"]
        backend = get_backend("elbv2")[self.account][self.region]
        protocol = "TCP" if balancer.type == "network" else "HTTP"
        for listener in balancer.listeners:
            port = listener.instance_port or listener.port
            group = elbv2.create_target_group(
                Name=f"{balancer.name[:24]}-{port}",
                Protocol=protocol,
                Port=port,
                VpcId=self.vpc_id,
                TargetType="instance",
            )["TargetGroups"][0]["TargetGroupArn"]
            elbv2.create_listener(
                LoadBalancerArn=arn,
                Protocol=listener.protocol,
                Port=listener.port,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
            )
            mine = [(i, t) for i, t in targets if t.port == port]
            if mine:
                # Directly: moto refuses to register an instance that is not running, and a
                # world may register a stopped one (its health is the world's anyway).
                found_group = backend.target_groups[group]
                for instance, _ in mine:
                    found_group.targets[instance] = {"Id": instance, "Port": port}
                _set_health(found_group, dict(mine))
        found = backend.load_balancers[arn]
        if balancer.dns_name:
            found.dns_name = balancer.dns_name
        return str(found.dns_name)

    def seed_hosted_zones(self, zones: list[HostedZoneSpec], dns_names: dict[str, str]) -> None:
        """Create the hosted zones and their records; an alias target naming a seeded load
        balancer points at its DNS name."""
        route53 = self.clients("route53")
        for index, zone in enumerate(zones):
            params: dict[str, Any] = {
                "Name": zone.name,
                "CallerReference": f"{self.infra_id}-{index}",
                "HostedZoneConfig": {"Comment": zone.name, "PrivateZone": zone.private},
            }
            if zone.private:
                params["VPC"] = {"VPCRegion": self.region, "VPCId": self.vpc_id}
            zone_id = route53.create_hosted_zone(**params)["HostedZone"]["Id"]
            changes = []
            for record in zone.records:
                name = record.name if record.name.endswith(".") else record.name + "."
                # Route53 answers a wildcard escaped; moto would answer it as written.
                name = "\\052" + name[1:] if name.startswith("*") else name
                record_set: dict[str, Any] = {"Name": name, "Type": record.type}
                if record.alias_target is not None:
                    target = dns_names.get(record.alias_target, record.alias_target)
                    record_set["AliasTarget"] = {
                        "HostedZoneId": "Z35SXDOTRQ7X7K",
                        "DNSName": target,
                        "EvaluateTargetHealth": False,
                    }
                else:
                    record_set["TTL"] = record.ttl
                    record_set["ResourceRecords"] = [{"Value": v} for v in record.values]
                changes.append({"Action": "CREATE", "ResourceRecordSet": record_set})
            if changes:
                route53.change_resource_record_sets(
                    HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
                )


def _set_health(group: Any, wanted: dict[str, Any]) -> None:
    """Make moto answer the scenario's health for these targets of the group."""
    original = group.health_for

    def health_for(target: dict[str, Any], ec2_backend: Any) -> Any:
        spec = wanted.get(target["Id"])
        if spec is None:
            return original(target, ec2_backend)
        return FakeHealthStatus(
            target["Id"],
            target.get("Port", spec.port),
            group.health_check_port,
            spec.state,
            spec.reason or None,
            spec.description or None,
        )

    group.health_for = health_for
