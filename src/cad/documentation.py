"""Product-aware documentation links, and the guard against sending a customer the other
product's documentation (ROSA links to an OSD cluster, or the reverse)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "PRODUCT_NAMES",
    "DocumentationMismatch",
    "documentation_link",
    "find_documentation_mismatch",
]

ROSA, OSD = "rosa", "osd"
PRODUCT_NAMES = {ROSA: "ROSA", OSD: "OpenShift Dedicated"}

_LINKS: dict[str, dict[str, str]] = {
    "privatelink-firewall": {
        ROSA: "https://docs.redhat.com/en/documentation/red_hat_openshift_service_on_aws_classic_architecture/4/html/install_rosa_classic_clusters/deploying-rosa-without-aws-sts#rosa-classic-firewall-prerequisites_prerequisites",
        OSD: "https://docs.redhat.com/en/documentation/openshift_dedicated/4/html-single/planning_your_environment/index#osd-aws-privatelink-firewall-prerequisites_aws-ccs",
    },
    "monitoring-stack": {
        ROSA: "https://docs.redhat.com/en/documentation/red_hat_openshift_service_on_aws_classic_architecture/4/html/monitoring/configuring-user-workload-monitoring",
        OSD: "https://docs.redhat.com/en/documentation/openshift_dedicated/4/html/monitoring/configuring-user-workload-monitoring",
    },
    "aws-custom-vpc": {
        ROSA: "https://docs.redhat.com/en/documentation/red_hat_openshift_service_on_aws_classic_architecture/4/html/prepare_your_environment/rosa-cloud-expert-prereq-checklist#vpc-requirements-for-privatelink-clusters",
        OSD: "https://docs.redhat.com/en/documentation/openshift_dedicated/4/html/cluster_administration/configuring-private-connections",
    },
}  # fmt: skip

_INDICATORS = {
    ROSA: (
        "docs.openshift.com/rosa/",
        "docs.redhat.com/en/documentation/red_hat_openshift_service_on_aws",
    ),
    OSD: ("docs.openshift.com/dedicated/", "docs.redhat.com/en/documentation/openshift_dedicated"),
}
_URL = re.compile(r"https?://[^\s>\"']+")


def documentation_link(product: str, topic: str) -> str:
    """The link for ``topic`` in the product's documentation (ROSA's when unknown)."""
    links = _LINKS.get(topic)
    if links is None:
        raise KeyError(f"unknown documentation topic {topic!r}; known: {', '.join(sorted(_LINKS))}")
    return links.get(product.lower()) or links[ROSA]


def _product_of(text: str) -> str:
    lowered = text.lower()
    for product, indicators in _INDICATORS.items():
        if any(indicator in lowered for indicator in indicators):
            return product
    return ""


@dataclass(frozen=True)
class DocumentationMismatch:
    """A message about to reach a customer links to the other product's documentation."""

    kind: str  # "service log" or "limited support reason"
    summary: str
    details: str
    link: str
    cluster_product: str
    linked_product: str

    def escalation_message(self) -> str:
        """The original's note for the SRE who must send the right text by hand."""
        return (
            f"{self.kind}: '{self.summary}' was to be sent, but detected documentation link "
            f'"{self.link}" for {PRODUCT_NAMES[self.linked_product]} product while working on a '
            f"{PRODUCT_NAMES[self.cluster_product]} cluster. Please send the correct "
            f"documentation for the product manually. Details prepared:\n{self.details}"
        )


def find_documentation_mismatch(
    cluster_product: str, kind: str, summary: str, details: str
) -> DocumentationMismatch | None:
    """A mismatch if ``details`` link to the other product's documentation; ``None`` when the
    links fit or the cluster's product is unknown."""
    product = cluster_product.lower()
    if product not in _INDICATORS or not details:
        return None
    for link in _URL.findall(details):
        linked = _product_of(link)
        if linked and linked != product:
            return DocumentationMismatch(kind, summary, details, link, product, linked)
    for other, indicators in _INDICATORS.items():
        if other == product:
            continue
        for indicator in indicators:
            if indicator in details.lower():
                return DocumentationMismatch(kind, summary, details, indicator, product, other)
    return None
