"""ccam's decisions, as pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CCAM_LS_DETAILS",
    "CCAM_LS_SUMMARY",
    "CUSTOMER_CAUSED",
    "CredentialsVerdict",
    "credentials_verdict",
    "customer_removed_permissions",
]

CCAM_LS_SUMMARY = "Restore missing cloud credentials"
CCAM_LS_DETAILS = (
    "Your cluster requires you to take action because Red Hat is not able to access the "
    "infrastructure with the provided credentials. Please restore the credentials and "
    "permissions provided during install"
)

# Backplane and OCM errors that mean the customer removed or changed CAD's roles.
CUSTOMER_CAUSED = [
    re.compile(p)
    for p in (
        r"Failed to find trusted relationship to support role 'RH-Technical-Support-Access'",
        r"RH-Managed-OpenShift-Installer/OCM is not authorized to perform: "
        r"sts:AssumeRole on resource",
        r"Support role, used with cluster '[a-z0-9]{32}', "
        r"does not exist in the customer's AWS account",
        r"could not assume support role in customer's account: .*AccessDenied:",
        r"is not authorized to perform: iam:GetRole on resource: role",
    )
]


def customer_removed_permissions(error_text: str) -> bool:
    """Whether the credential error is one of the five customer-caused patterns.

    This reads message text on purpose: the finding *is* backplane's explanation. It decides
    what to tell the customer, never whether to retry.
    """
    return any(pattern.search(error_text) for pattern in CUSTOMER_CAUSED)


@dataclass(frozen=True)
class CredentialsVerdict:
    """What to do about a cluster whose credentials the customer removed."""

    limited_support: bool
    handover: Literal["silence", "escalate"]
    reason: str
    note: str


def credentials_verdict(state: str) -> CredentialsVerdict:
    """Ready: limited support and silence; uninstalling: silence; otherwise escalate."""
    if state == "ready":
        return CredentialsVerdict(
            True,
            "silence",
            "Cluster credentials are missing - limited support added",
            f"Cluster is ready: putting it in limited support ('{CCAM_LS_SUMMARY}').",
        )
    if state == "uninstalling":
        return CredentialsVerdict(
            False,
            "silence",
            f"Skipped adding limited support reason '{CCAM_LS_SUMMARY}': "
            "cluster is already uninstalling",
            "Cluster is uninstalling: no limited support.",
        )
    return CredentialsVerdict(
        False,
        "escalate",
        "Cluster has invalid cloud credentials (support role/policy is missing) and the cluster "
        f"is in state '{state}'. Please investigate.",
        f"Cluster is in state '{state}': an SRE must decide.",
    )
