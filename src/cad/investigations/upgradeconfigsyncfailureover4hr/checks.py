"""upgradeconfigsyncfailureover4hr's decisions, as pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from cad.investigations.framework.ownerban import BANNED_OWNER_SL_SUMMARY, OwnerBan

__all__ = [
    "BANNED_REASON",
    "COMPLETE_REASON",
    "EXPORT_CONTROL_REASON",
    "LOOKUP_FAILED_REASON",
    "NOTES_NAME",
    "NOT_BANNED",
    "BanVerdict",
    "ban_verdict",
]

NOTES_NAME = "UpgradeConfigSyncFailureOver4Hr"
NOT_BANNED = "User is not banned."
EXPORT_CONTROL_REASON = "Export Control Compliance ban detected, please refer to the SOP."
BANNED_REASON = "Banned OCM user, please open a proactive ticket."
LOOKUP_FAILED_REASON = "Failed to check if user is banned"
COMPLETE_REASON = "UpgradeConfigSyncFailure investigation complete"


@dataclass(frozen=True)
class BanVerdict:
    """What a banned owner means: the note lines, whether the customer gets the banned-owner
    service log, and why the incident is escalated."""

    warnings: tuple[str, ...]
    service_log: bool
    reason: str


def ban_verdict(ban: OwnerBan | None) -> BanVerdict | None:
    """``None`` when the owner is not banned (the investigation goes on). An export control
    ban is SRE's (the SOP); any other ban gets the service log."""
    if ban is None:
        return None
    if ban.export_control:
        return BanVerdict((str(ban),), service_log=False, reason=EXPORT_CONTROL_REASON)
    return BanVerdict(
        (str(ban), f"Sending out Service Log ({BANNED_OWNER_SL_SUMMARY})"),
        service_log=True,
        reason=BANNED_REASON,
    )
