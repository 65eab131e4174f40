"""Is the cluster's owner banned? The original's ``CheckIfUserBanned`` verdict and the
service log asking the customer to arrange a new owner (``NewOCMBannedUserServiceLog``),
texts exactly as the original's."""

from __future__ import annotations

from dataclasses import dataclass

from cad.actions import ServiceLog, service_log
from cad.clients.ocm.models import Account

__all__ = [
    "BANNED_OWNER_SL_DESCRIPTION",
    "BANNED_OWNER_SL_SUMMARY",
    "EXPORT_CONTROL_COMPLIANCE",
    "OwnerBan",
    "banned_owner_service_log",
    "owner_ban",
    "owner_ban_lookup_failed",
]

EXPORT_CONTROL_COMPLIANCE = "export_control_compliance"

BANNED_OWNER_SL_SUMMARY = "Action required: Arrange new cluster owner"
BANNED_OWNER_SL_DESCRIPTION = (
    "Your cluster requires you to take action because it is no longer owned by a user with an "
    "enabled Red Hat account. This will impact the cluster's ability to upgrade to future "
    "versions. Please raise a support case with Red Hat to nominate a new owner for the cluster "
    "in https://console.redhat.com/openshift/."
)


@dataclass(frozen=True)
class OwnerBan:
    """The owner's ban: OCM's code and description."""

    code: str
    description: str

    @property
    def export_control(self) -> bool:
        """Banned for export control compliance: SRE follows the SOP, no service log."""
        return self.code == EXPORT_CONTROL_COMPLIANCE

    def __str__(self) -> str:
        return f"user is banned ({self.code}): {self.description}"


def owner_ban(owner: Account) -> OwnerBan | None:
    """The owner's ban, or ``None`` when the owner is not banned."""
    if not owner.banned:
        return None
    return OwnerBan(code=owner.ban_code, description=owner.ban_description)


def owner_ban_lookup_failed(error: BaseException) -> str:
    """The note line when the owner could not be read (the original's wording)."""
    return (
        f"encountered an issue when checking if the cluster owner is banned: {error}\n"
        "Please investigate."
    )


def banned_owner_service_log() -> ServiceLog:
    """The Critical service log asking a banned owner's organization for a new owner."""
    return service_log("Critical", BANNED_OWNER_SL_SUMMARY, BANNED_OWNER_SL_DESCRIPTION)
