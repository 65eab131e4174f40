"""mustgather's pure parts: the images, the HCP gather command, the product label, the
image an ImageStream names, and the texts."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ACM_HCP_IMAGE",
    "DEFAULT_IMAGE",
    "PRODUCT_CLASSIC",
    "PRODUCT_HCP",
    "collecting_line",
    "hcp_gather_command",
    "image_from_stream",
    "product",
]

DEFAULT_IMAGE = "registry.redhat.io/openshift4/ose-must-gather:latest"
"""``oc adm must-gather``'s image when the cluster's ``openshift/must-gather`` ImageStream
cannot be read or names none."""
ACM_HCP_IMAGE = "registry.redhat.io/multicluster-engine/must-gather-rhel9:v2.8"
"""The original's ACM image for a hosted cluster's must-gather on its management cluster."""
PRODUCT_CLASSIC = "ROSA classic"
PRODUCT_HCP = "ROSA HCP"


def product(hcp: bool) -> str:
    """The ``product`` label of ``must_gather_performed_total``, as the original's."""
    return PRODUCT_HCP if hcp else PRODUCT_CLASSIC


def hcp_gather_command(hcp_namespace: str, cluster_name: str) -> str:
    """The original's ACM gather command for one hosted cluster."""
    return (
        f"/usr/bin/gather hosted-cluster-namespace={hcp_namespace} "
        f"hosted-cluster-name={cluster_name}"
    )


def image_from_stream(stream: dict[str, Any], tag: str = "latest") -> str | None:
    """The image ``tag`` of an ImageStream resolves to (its newest item's reference), as
    ``oc adm must-gather`` resolves ``openshift/must-gather:latest``; ``None`` when none."""
    for entry in (stream.get("status") or {}).get("tags") or []:
        if entry.get("tag") != tag:
            continue
        items = entry.get("items") or []
        reference = (items[0] or {}).get("dockerImageReference") if items else None
        return str(reference) if reference else None
    return None


def collecting_line(hcp: bool, image: str, cluster_name: str) -> str:
    """The note's line saying what CAD collects (the executor adds where it uploaded it)."""
    where = (
        f"the management cluster, for hosted cluster {cluster_name}"
        if hcp
        else f"cluster {cluster_name}"
    )
    return f"Collecting a must-gather on {where} with {image}"
