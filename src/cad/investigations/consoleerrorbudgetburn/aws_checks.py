"""The checks that read the customer's AWS account (phase 2 of the original): the ``*.apps``
records in Route53, the VPC's DHCP options and the ingress load balancer with its security
groups. A read that fails is a ⚠️ line and decides nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cad.actions import NoteWriter
from cad.clients.aws_models import LoadBalancerV2, SecurityGroupRule
from cad.errors import ClientError
from cad.investigations.consoleerrorbudgetburn import loadbalancers
from cad.investigations.consoleerrorbudgetburn.checks import (
    ClusterFacts,
    apps_record_name,
    dhcp_line,
    go_list,
    route53_verdict,
)
from cad.investigations.consoleerrorbudgetburn.cluster_checks import write
from cad.investigations.framework.readers import AwsRead

__all__ = ["AwsChecks"]


class AwsChecks:
    """Phase 2 against the cluster's AWS account."""

    def __init__(self, aws: AwsRead, facts: ClusterFacts, notes: NoteWriter) -> None:
        self.aws = aws
        self.facts = facts
        self.notes = notes

    # --- 8. Route53 -------------------------------------------------------------------------

    def _record_missing(self, domain: str, private: bool) -> bool | None:
        """Whether the ``*.apps`` record is missing from the zone (None: could not tell)."""
        kind = "private" if private else "public"
        try:
            zone = self.aws.find_hosted_zone(domain, private=private)
        except ClientError as exc:
            self.notes.warning(f"Route53: error looking up {kind} hosted zone for {domain} — {exc}")
            return None
        if zone is None:
            self.notes.warning(f"Route53: no {kind} hosted zone found for {domain}")
            return None
        try:
            found = self.aws.has_record_set(
                zone.id, apps_record_name(self.facts.cluster_domain), "A"
            )
        except ClientError as exc:
            self.notes.warning(
                f"Route53: error checking *.apps record in {kind} zone for "
                f"{self.facts.cluster_domain} — {exc}"
            )
            return None
        return not found

    def route53(self) -> bool:
        """Check 8: whether the ``*.apps`` record is missing from a hosted zone."""
        facts = self.facts
        if not facts.base_domain or not facts.domain_prefix:
            self.notes.warning(
                "Route53: unable to determine cluster domain (missing base domain or domain prefix)"
            )
            return False
        missing_private = self._record_missing(facts.cluster_domain, True)
        if missing_private is None:
            return False
        missing_public = False
        if not facts.private_link:
            public = self._record_missing(facts.base_domain, False)
            if public is None:
                return False
            missing_public = public
        verdict = route53_verdict(
            facts.cluster_domain,
            missing_private=missing_private,
            missing_public=missing_public,
            private_link=facts.private_link,
        )
        write(self.notes, verdict.line)
        return verdict.root_cause

    # --- 9. DHCP ------------------------------------------------------------------------------

    def dhcp_options(self) -> None:
        """Check 9: the VPC's DHCP option set must include AmazonProvidedDNS."""
        if not self.facts.infra_id:
            self.notes.warning("DHCP: unable to determine cluster infrastructure ID")
            return
        try:
            options = self.aws.get_vpc_dhcp_options(self.facts.infra_id)
        except ClientError as exc:
            self.notes.warning(f"DHCP: unable to check VPC DHCP options — {exc}")
            return
        write(self.notes, dhcp_line(list(options.domain_name_servers)))

    # --- 10. the load balancer ----------------------------------------------------------------

    def load_balancer(
        self, ingress_controller: dict[str, Any] | ClientError, get_service: Callable[[], Any]
    ) -> None:
        """Check 10: the ingress load balancer's targets and security groups.
        ``get_service`` reads ``openshift-ingress/router-default``."""
        if isinstance(ingress_controller, ClientError):
            self.notes.warning(
                f"LB Health: failed to get default IngressController — {ingress_controller}"
            )
            return
        try:
            service = get_service()
        except ClientError as exc:
            self.notes.warning(f"LB Health: failed to get router-default Service — {exc}")
            return
        hostname = loadbalancers.router_hostname(service)
        if not hostname:
            self.notes.warning(
                "LB Health: router-default Service has no LoadBalancer hostname assigned"
            )
            return
        if loadbalancers.lb_type(ingress_controller) == "NLB":
            self._nlb(hostname)
        else:
            self._clb(hostname)

    def _nlb(self, hostname: str) -> None:
        try:
            found: LoadBalancerV2 | None = self.aws.find_load_balancer_v2(hostname)
        except ClientError as exc:
            self.notes.warning(f"LB Health: failed to look up NLB — {exc}")
            return
        if found is None or found.type != "network":
            self.notes.warning(f"LB Health: no NLB found matching DNS name {hostname}")
            return
        try:
            health = self.aws.get_target_health_v2(found.arn)
        except ClientError as exc:
            self.notes.warning(
                f"LB Health: failed to get NLB target health for {found.name} — {exc}"
            )
            return
        if not health:
            self.notes.warning(f"LB Health: NLB {found.name} has no registered targets")
            return
        write(self.notes, loadbalancers.nlb_health_line(found.name, health))
        if found.security_groups:
            self.notes.warning(
                f"LB Security: NLB {found.name} has security groups attached (unusual): "
                f"{go_list(found.security_groups)}"
            )
        self._node_security_groups(loadbalancers.target_instances(health))

    def _node_security_groups(self, instance_ids: list[str]) -> None:
        if not instance_ids:
            return
        try:
            group_ids = self.aws.get_instance_security_group_ids(instance_ids)
        except ClientError as exc:
            self.notes.warning(f"LB Security: failed to get infra node security groups — {exc}")
            return
        if not group_ids:
            self.notes.warning("LB Security: no security groups found on NLB target instances")
            return
        try:
            rules = self._rules(group_ids)
        except ClientError as exc:
            self.notes.warning(
                f"LB Security: failed to describe infra node security groups — {exc}"
            )
            return
        write(self.notes, loadbalancers.nlb_node_security_line(rules))

    def _rules(self, group_ids: list[str]) -> list[SecurityGroupRule]:
        return [rule for group in self.aws.get_security_groups(group_ids) for rule in group.ingress]

    def _clb(self, hostname: str) -> None:
        try:
            found = self.aws.find_classic_load_balancer(hostname)
        except ClientError as exc:
            self.notes.warning(f"LB Health: failed to look up CLB — {exc}")
            return
        if found is None:
            self.notes.warning(f"LB Health: no CLB found matching DNS name {hostname}")
            return
        try:
            health = self.aws.get_classic_instance_health(found.name)
        except ClientError as exc:
            self.notes.warning(
                f"LB Health: failed to get CLB instance health for {found.name} — {exc}"
            )
            return
        if not health:
            self.notes.warning(f"LB Health: CLB {found.name} has no registered instances")
            return
        write(self.notes, loadbalancers.clb_health_line(found.name, health))
        if not found.security_groups:
            self.notes.warning(f"LB Security: CLB {found.name} has no security groups attached")
            return
        try:
            rules = self._rules(list(found.security_groups))
        except ClientError as exc:
            self.notes.warning(f"LB Security: failed to describe CLB security groups — {exc}")
            return
        write(
            self.notes,
            loadbalancers.clb_security_line(found.name, rules, self.facts.machine_cidr),
        )
