"""consoleerrorbudgetburn's decisions, as pure functions: the cluster facts the checks need,
the default IngressController's ``allowedSourceRanges`` against the machine CIDR, the
customer-configured upstream DNS resolvers, the console service's answer, the ``*.apps``
records in Route53, the VPC's DHCP options and the egress verdict. The two findings that
act (allowedSourceRanges, Route53) carry the original's service logs, word for word.

The probe, the workloads (pods, events, nodes) and the load balancers have their own
modules: ``probe``, ``workloads``, ``loadbalancers``."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from cad.clients.ocm.models import Cluster

__all__ = [
    "ALLOWED_SOURCE_RANGES_SILENCE",
    "AMAZON_PROVIDED_DNS",
    "ESCALATION_REASON",
    "ROUTE53_SILENCE",
    "ClusterFacts",
    "Line",
    "ServiceLogText",
    "Verdict",
    "allowed_source_ranges",
    "allowed_source_ranges_finding",
    "allowed_source_ranges_service_log",
    "apps_record_name",
    "cidr_contains",
    "console_service_line",
    "dhcp_line",
    "egress_line",
    "go_list",
    "machine_cidr_problem",
    "network_misconfiguration_service_log",
    "route53_verdict",
    "upstream_dns_line",
]

Line = tuple[Literal["success", "warning"], str]

ESCALATION_REASON = "No automated root cause identified — manual investigation required"
ALLOWED_SOURCE_RANGES_SILENCE = "AllowedSourceRanges misconfiguration on default IngressController"
ROUTE53_SILENCE = "Missing *.apps DNS records in Route53"
AMAZON_PROVIDED_DNS = "AmazonProvidedDNS"


def go_list(items: Iterable[object]) -> str:
    """A list as Go's ``%v`` prints it: ``[a b c]``."""
    return "[" + " ".join(str(item) for item in items) + "]"


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class ClusterFacts:
    """What the checks read of the OCM cluster (empty text when OCM does not say)."""

    id: str
    console_url: str = ""
    machine_cidr: str = ""
    domain_prefix: str = ""
    base_domain: str = ""
    infra_id: str = ""
    cloud_provider: str = ""
    private_link: bool = False
    hcp: bool = False

    @classmethod
    def from_cluster(cls, cluster: Cluster) -> ClusterFacts:
        """The facts from the cluster's OCM object (``console.url``,
        ``network.machine_cidr``, ``dns.base_domain``, ``aws.private_link``)."""
        raw = cluster.raw
        return cls(
            id=cluster.id,
            console_url=str(_mapping(raw.get("console")).get("url") or ""),
            machine_cidr=str(_mapping(raw.get("network")).get("machine_cidr") or ""),
            domain_prefix=cluster.domain_prefix,
            base_domain=str(_mapping(raw.get("dns")).get("base_domain") or ""),
            infra_id=cluster.infra_id,
            cloud_provider=cluster.cloud_provider,
            private_link=bool(_mapping(raw.get("aws")).get("private_link")),
            hcp=cluster.hcp,
        )

    @property
    def cluster_domain(self) -> str:
        """``<domain_prefix>.<base_domain>``."""
        return f"{self.domain_prefix}.{self.base_domain}"


# --- allowedSourceRanges ---------------------------------------------------------------------


def _network(cidr: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int] | None:
    """The address as written and the prefix length (Go's ``net.ParseCIDR``), or None."""
    try:
        interface = ipaddress.ip_interface(cidr.strip())
    except ValueError:
        return None
    if "/" not in cidr:
        return None
    return interface.ip, interface.network.prefixlen


def cidr_contains(allowed_cidr: str, machine_cidr: str) -> bool:
    """Whether ``allowed_cidr`` covers the machine CIDR: its prefix is no longer than the
    machine's and it contains the machine CIDR's address (the ops-sop ``cidr_fit``)."""
    machine = _network(machine_cidr)
    if machine is None or "/" not in allowed_cidr:
        return False
    try:
        allowed = ipaddress.ip_network(allowed_cidr.strip(), strict=False)
    except ValueError:
        return False
    address, prefix = machine
    return allowed.prefixlen <= prefix and address in allowed


def allowed_source_ranges(ingress_controller: dict[str, Any]) -> list[str]:
    """``spec.endpointPublishingStrategy.loadBalancer.allowedSourceRanges`` (or [])."""
    strategy = _mapping(_mapping(ingress_controller.get("spec")).get("endpointPublishingStrategy"))
    ranges = _mapping(strategy.get("loadBalancer")).get("allowedSourceRanges") or []
    return [str(r) for r in ranges] if isinstance(ranges, list) else []


def machine_cidr_problem(machine_cidr: str) -> Line | None:
    """The warning when the machine CIDR is missing or unparsable (``None``: usable)."""
    if not machine_cidr:
        return "warning", "AllowedSourceRanges: unable to determine machine CIDR from cluster info"
    if _network(machine_cidr) is None:
        return (
            "warning",
            f"AllowedSourceRanges: failed to parse machine CIDR {json.dumps(machine_cidr)} - "
            f"invalid CIDR address: {machine_cidr}",
        )
    return None


def allowed_source_ranges_finding(
    machine_cidr: str, ingress_controller: dict[str, Any]
) -> tuple[Line, bool]:
    """The note line, and whether the ranges leave the machine CIDR out (the root cause).
    Without a usable machine CIDR nothing is decided."""
    problem = machine_cidr_problem(machine_cidr)
    if problem is not None:
        return problem, False
    ranges = allowed_source_ranges(ingress_controller)
    if not ranges:
        return (
            "success",
            "AllowedSourceRanges: not configured on default IngressController",
        ), False
    if any(cidr_contains(r, machine_cidr) for r in ranges):
        return (
            "success",
            f"AllowedSourceRanges: machine CIDR {machine_cidr} is covered by allowedSourceRanges "
            "on default IngressController",
        ), False
    return (
        "warning",
        f"AllowedSourceRanges: machine CIDR {machine_cidr} is NOT included in "
        f"allowedSourceRanges on default IngressController (ranges: {go_list(ranges)})",
    ), True


@dataclass(frozen=True)
class ServiceLogText:
    """A service log's fields, as the original sends it."""

    severity: str
    summary: str
    description: str
    service_name: str = "SREManualAction"
    internal_only: bool = False


def allowed_source_ranges_service_log(machine_cidr: str) -> ServiceLogText:
    """The managed-notifications ``AllowedSourceRanges.json`` service log."""
    return ServiceLogText(
        severity="Critical",
        summary="Action required: Incorrect Default IngressController Configuration",
        description=(
            "Your cluster requires you to take action. Your default ingresscontroller is "
            "misconfigured, generating alerts for Red Hat SRE and degrading cluster health. "
            f"The Machine CIDR for the cluster, '{machine_cidr}', needs to be added to the "
            "allowlist."
        ),
    )


def network_misconfiguration_service_log(change: str) -> ServiceLogText:
    """The network misconfiguration service log, naming the change."""
    return ServiceLogText(
        severity="Critical",
        summary="Action required: Network misconfiguration",
        description=(
            "Your cluster requires you to take action. SRE has observed that there have been "
            "changes made to network configuration which impact normal working of the "
            f"cluster: {change}."
        ),
    )


# --- upstream DNS, console service ----------------------------------------------------------


def upstream_dns_line(dns: dict[str, Any]) -> Line:
    """Customer-configured (``Network``) upstream resolvers of ``dns.operator/default``."""
    resolvers = _mapping(_mapping(dns.get("spec")).get("upstreamResolvers"))
    custom = [
        f"{u.get('address') or ''}:{int(u.get('port') or 0)}"
        for u in resolvers.get("upstreams") or []
        if isinstance(u, dict) and u.get("type") == "Network"
    ]
    if not custom:
        return "success", "DNS: no custom upstream resolvers configured"
    return (
        "warning",
        "DNS: customer-configured upstream resolvers detected (may prevent *.apps domain "
        f"resolution): {', '.join(custom)}",
    )


def console_service_line(http_code: str) -> Line:
    """The console service's HTTP status, curled from inside the cluster."""
    if http_code == "200":
        return (
            "success",
            "Console Service: console is responding (HTTP 200) from within the cluster",
        )
    return "warning", f"Console Service: console returned HTTP {http_code} from within the cluster"


# --- Route53, DHCP, egress ------------------------------------------------------------------


def apps_record_name(cluster_domain: str) -> str:
    """The wildcard ``*.apps`` record as Route53 names it (``*`` is ``\\052``)."""
    return f"\\052.apps.{cluster_domain}."


@dataclass(frozen=True)
class Verdict:
    """A finding's note line and whether it is the root cause that acts."""

    line: Line
    root_cause: bool = False


def route53_verdict(
    cluster_domain: str, *, missing_private: bool, missing_public: bool, private_link: bool
) -> Verdict:
    """The ``*.apps`` records found in the private zone (and the public one, unless the
    cluster is PrivateLink): a missing record is the root cause."""
    where = f"hosted zones for {cluster_domain}"
    if missing_private and missing_public:
        return Verdict(
            ("warning", f"Route53: *.apps DNS record missing from BOTH private and public {where}"),
            True,
        )
    if missing_private:
        return Verdict(
            (
                "warning",
                f"Route53: *.apps DNS record missing from private hosted zone for {cluster_domain}",
            ),
            True,
        )
    if missing_public:
        return Verdict(
            (
                "warning",
                f"Route53: *.apps DNS record missing from public hosted zone for {cluster_domain}",
            ),
            True,
        )
    if private_link:
        return Verdict(
            (
                "success",
                f"Route53: *.apps DNS record verified in private hosted zone for {cluster_domain}",
            )
        )
    return Verdict(
        ("success", f"Route53: *.apps DNS records verified in private and public {where}")
    )


def dhcp_line(servers: list[str]) -> Line:
    """The VPC's DHCP option set's ``domain-name-servers``: AmazonProvidedDNS must be one."""
    if not servers:
        return "success", "DHCP: VPC DHCP option set uses AWS default DNS (AmazonProvidedDNS)"
    if AMAZON_PROVIDED_DNS not in servers:
        return (
            "warning",
            f"DHCP: VPC DHCP option set uses custom DNS servers {go_list(servers)} instead of "
            "AmazonProvidedDNS — this may prevent in-VPC DNS resolution",
        )
    if len(servers) > 1:
        return (
            "success",
            "DHCP: VPC DHCP option set includes AmazonProvidedDNS alongside custom servers "
            f"{go_list(servers)}",
        )
    return "success", "DHCP: VPC DHCP option set uses AmazonProvidedDNS"


def egress_line(outcome: str, *, failure_reason: str = "", message: str = "") -> Line:
    """The network verifier's verdict (``success``, ``failure``, ``error``; anything else:
    it did not run, and says why)."""
    if outcome == "success":
        return "success", "VPC Egress: network verifier passed — all egress endpoints reachable"
    if outcome == "failure":
        return "warning", f"VPC Egress: network verifier reported blocked egress — {failure_reason}"
    if outcome == "error":
        return "warning", f"VPC Egress: network verifier error — {message}"
    if message:
        return "warning", f"VPC Egress: network verifier did not run — {message}"
    return "warning", "VPC Egress: network verifier returned undefined result"
