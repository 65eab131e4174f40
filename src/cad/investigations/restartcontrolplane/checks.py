"""restartcontrolplane's pure parts: the annotation, its value, and the texts."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "NOT_HCP",
    "NOT_HCP_SILENCE",
    "RESTART_ANNOTATION",
    "RESTART_FAILED",
    "RESTART_REQUESTED",
    "hc_missing",
    "restart_date",
    "restart_line",
]

RESTART_ANNOTATION = "hypershift.openshift.io/restart-date"
NOT_HCP = "Cluster is not an HCP cluster, skipping control plane restart"
NOT_HCP_SILENCE = "Control plane restart only applies to HCP clusters"
RESTART_FAILED = "Restarting Control Plane failed"
RESTART_REQUESTED = "Control plane restart requested on the management cluster"


def restart_date(now: datetime) -> str:
    """The annotation's value: ``now`` in RFC 3339, UTC, to the second (Go's
    ``time.RFC3339`` of a UTC time)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def restart_line(namespace: str, name: str, value: str) -> str:
    """The note's line for the restart CAD requests."""
    return (
        f"Restarting the control plane: HostedCluster {namespace}/{name} on the management "
        f"cluster annotated {RESTART_ANNOTATION}={value}"
    )


def hc_missing(namespace: str, name: str) -> str:
    """The note's line when the HostedCluster is not on the management cluster."""
    return f"HostedCluster {namespace}/{name} not found on the management cluster"
