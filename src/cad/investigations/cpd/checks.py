"""cpd's decisions and texts, as pure functions: the customer-facing service log for a BYOVPC
subnet without a route to the internet, and whether a route table has a default route."""

from __future__ import annotations

from cad.clients.aws_models import RouteTable

__all__ = [
    "BYOVPC_ROUTING_SEVERITY",
    "BYOVPC_ROUTING_SUMMARY",
    "DEFAULT_ROUTE",
    "NO_CLUSTER_METADATA_WARNING",
    "READY_WARNING",
    "byovpc_routing_description",
    "dns_not_ready_warning",
    "has_default_route",
    "missing_route_warning",
]

DEFAULT_ROUTE = "0.0.0.0/0"

READY_WARNING = (
    "This cluster is in a ready state, thus provisioning succeeded. Please contact CAD team to "
    "investigate if we can just silence this case in the future"
)
NO_CLUSTER_METADATA_WARNING = (
    "This cluster has an empty ClusterDeployment.Spec.ClusterMetadata, meaning that the "
    "provisioning failed before the installation started. This is usually the case when the "
    "install configuration is faulty. Please investigate manually."
)

# https://raw.githubusercontent.com/openshift/managed-notifications/master/osd/aws/InstallFailed_NoRouteToInternet.json
BYOVPC_ROUTING_SEVERITY = "Major"
BYOVPC_ROUTING_SUMMARY = "Installation blocked: Missing route to internet"


def byovpc_routing_description(doc_link: str) -> str:
    """The service log's text, linking the product's custom-VPC documentation."""
    return (
        "Your cluster's installation is blocked because of the missing route to internet in the "
        "route table(s) associated with the supplied subnet(s) for cluster installation. Please "
        "review and validate the routes by following documentation and re-install the cluster: "
        f"{doc_link}."
    )


def dns_not_ready_warning(cluster_id: str) -> str:
    """The note line when OCM says the cluster's DNS is not ready."""
    return (
        "DNS not ready.\nInvestigate reasons using the dnszones CR in the cluster namespace:\n"
        f"oc get dnszones -n uhc-production-{cluster_id} -o yaml --as backplane-cluster-admin"
    )


def missing_route_warning(subnet_id: str) -> str:
    """The note line for a subnet whose route table has no default route."""
    return f"subnet {subnet_id} does not have a default route to {DEFAULT_ROUTE}"


def has_default_route(table: RouteTable) -> bool:
    """Whether the table routes ``0.0.0.0/0`` anywhere (any target: an internet gateway, a
    NAT gateway, a firewall's interface, a transit gateway). Routes to a prefix list or an
    IPv6 destination carry no IPv4 CIDR and do not count, as in the original."""
    return any(route.destination_cidr_block == DEFAULT_ROUTE for route in table.routes)
