"""The ingress load balancer: its type from the default IngressController, its targets'
health, and whether security groups let traffic in. Pure: the investigation reads AWS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cad.clients.aws_models import ClassicInstanceHealth, SecurityGroupRule, TargetHealth
from cad.investigations.consoleerrorbudgetburn.checks import Line, cidr_contains

__all__ = [
    "NODE_PORTS",
    "clb_health_line",
    "clb_security_line",
    "lb_type",
    "nlb_health_line",
    "nlb_node_security_line",
    "router_hostname",
    "sg_allows_tcp_inbound",
    "target_instances",
]

NODE_PORTS = (30000, 32767)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def lb_type(ingress_controller: dict[str, Any]) -> str:
    """``NLB`` or ``Classic``: the AWS provider parameters of the spec's endpoint publishing
    strategy, else the status', else Classic."""
    for part in ("spec", "status"):
        strategy = _mapping(
            _mapping(ingress_controller.get(part)).get("endpointPublishingStrategy")
        )
        provider = _mapping(_mapping(strategy.get("loadBalancer")).get("providerParameters"))
        aws = provider.get("aws")
        if isinstance(aws, dict):
            return "NLB" if aws.get("type") == "NLB" else "Classic"
    return "Classic"


def router_hostname(service: dict[str, Any]) -> str:
    """The hostname of ``router-default``'s first load balancer ingress ("" if none)."""
    ingress = _mapping(_mapping(service.get("status")).get("loadBalancer")).get("ingress") or []
    first = ingress[0] if ingress and isinstance(ingress[0], dict) else {}
    return str(first.get("hostname") or "")


def nlb_health_line(name: str, targets: Sequence[TargetHealth]) -> Line:
    """Per target group (port): a warning only when a whole group has no healthy target,
    the one condition under which the NLB cannot route that port."""
    by_port: dict[int, list[TargetHealth]] = {}
    for target in targets:
        by_port.setdefault(target.port, []).append(target)
    dead = [port for port in sorted(by_port) if all(t.state != "healthy" for t in by_port[port])]
    if not dead:
        summary = ", ".join(
            f"port {port}: {sum(t.state == 'healthy' for t in group)}/{len(group)} healthy"
            for port, group in sorted(by_port.items())
        )
        return (
            "success",
            f"LB Health: NLB {name} — all target groups have healthy targets ({summary})",
        )
    details = []
    for port in dead:
        group = by_port[port]
        instances = ", ".join(
            f"{t.target_id}: {t.state}" + (f" — {t.reason}" if t.reason else "") for t in group
        )
        details.append(f"port {port}: 0/{len(group)} healthy — {instances}")
    return (
        "warning",
        f"LB Health: NLB {name} — {len(dead)} target group(s) with no healthy targets:\n  "
        + "\n  ".join(details),
    )


def target_instances(targets: Sequence[TargetHealth]) -> list[str]:
    """The targets' instance ids, each once, in order."""
    return list(dict.fromkeys(t.target_id for t in targets if t.target_id))


def sg_allows_tcp_inbound(
    rules: Sequence[SecurityGroupRule], from_port: int, to_port: int, machine_cidr: str
) -> bool:
    """Whether a rule lets TCP in on the whole range: from anywhere when ``machine_cidr``
    is empty, else from 0.0.0.0/0 or a range covering the machine CIDR."""
    for rule in rules:
        if rule.protocol not in ("tcp", "-1"):
            continue
        if rule.protocol == "tcp":
            if rule.from_port is None or rule.to_port is None:
                continue
            if rule.from_port > from_port or rule.to_port < to_port:
                continue
        if not machine_cidr:
            return True
        for cidr in rule.cidr_blocks:
            if cidr == "0.0.0.0/0" or cidr_contains(cidr, machine_cidr):
                return True
    return False


def nlb_node_security_line(rules: Sequence[SecurityGroupRule]) -> Line:
    """The NLB's target instances must accept the NodePort range."""
    if sg_allows_tcp_inbound(rules, *NODE_PORTS, ""):
        return (
            "success",
            "LB Security: infra node security groups allow NodePort traffic (30000-32767)",
        )
    return (
        "warning",
        "LB Security: infra node security groups do not allow TCP traffic on NodePort range "
        "(30000-32767)",
    )


def clb_health_line(name: str, instances: Sequence[ClassicInstanceHealth]) -> Line:
    """Every instance behind the classic load balancer should be InService."""
    unhealthy = [i for i in instances if i.state != "InService"]
    if not unhealthy:
        return "success", f"LB Health: CLB {name} — all {len(instances)} instance(s) InService"
    details = "\n  ".join(
        f"{i.instance_id}: {i.state}" + (f" — {i.description}" if i.description else "")
        for i in unhealthy
    )
    return (
        "warning",
        f"LB Health: CLB {name} — {len(unhealthy)}/{len(instances)} instance(s) not InService:"
        f"\n  {details}",
    )


def clb_security_line(name: str, rules: Sequence[SecurityGroupRule], machine_cidr: str) -> Line:
    """The classic load balancer's groups must let TCP 443 in (from anywhere, or from the
    machine CIDR)."""
    if sg_allows_tcp_inbound(rules, 443, 443, machine_cidr):
        return "success", f"LB Security: CLB {name} security group allows TCP 443 inbound"
    return (
        "warning",
        f"LB Security: CLB {name} security group does not allow TCP 443 inbound from "
        f"0.0.0.0/0 or machine CIDR {machine_cidr}",
    )
