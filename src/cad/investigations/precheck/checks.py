"""precheck's decisions, as pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACCESS_PROTECTED",
    "ACCESS_PROTECTION_UNKNOWN",
    "CLUSTER_NOT_FOUND",
    "UNINSTALLING",
    "UNSUPPORTED_PROVIDER",
    "Verdict",
    "access_verdict",
    "state_verdict",
]

CLUSTER_NOT_FOUND = "CAD: Cluster not found."
UNINSTALLING = "CAD: Cluster is already uninstalling, silencing alert."
UNSUPPORTED_PROVIDER = (
    "CAD could not run an automated investigation on this cluster: unsupported cloud provider."
)
ACCESS_PROTECTION_UNKNOWN = (
    "CAD could not determine access protection status for this cluster, as CAD is unable to "
    "run against access protected clusters, please investigate manually."
)
ACCESS_PROTECTED = "CAD is unable to run against access protected clusters. Please investigate."


@dataclass(frozen=True)
class Verdict:
    """Stop the chain: say ``message`` and ``silence`` or ``escalate`` the incident."""

    message: str
    handover: Literal["silence", "escalate"]
    stop: str


def state_verdict(state: str, on_aws: bool) -> Verdict | None:
    """Uninstalling clusters are silenced; non-AWS clusters escalated; others continue."""
    if state == "uninstalling":
        return Verdict(UNINSTALLING, "silence", "cluster is uninstalling")
    if not on_aws:
        return Verdict(UNSUPPORTED_PROVIDER, "escalate", "unsupported cloud provider")
    return None


def access_verdict(protected: bool | None) -> Verdict | None:
    """Access-protected clusters (or unknown status: ``None``) are escalated."""
    if protected is None:
        return Verdict(ACCESS_PROTECTION_UNKNOWN, "escalate", "access protection status unknown")
    if protected:
        return Verdict(ACCESS_PROTECTED, "escalate", "access protection enabled")
    return None
