"""ocmagentresponsefailure's decisions, as pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from cad.egress import EgressResult
from cad.investigations.framework.ownerban import BANNED_OWNER_SL_SUMMARY, OwnerBan

__all__ = [
    "BANNED_REASON",
    "COMPLETE_REASON",
    "EGRESS_FAILED_REASON",
    "EXPORT_CONTROL_REASON",
    "HCP_DETECTED",
    "LOOKUP_FAILED_REASON",
    "NOT_BANNED",
    "SL_HELD_BACK",
    "BanVerdict",
    "EgressFinding",
    "ban_verdict",
    "egress_finding",
]

HCP_DETECTED = "HCP detected, please manually investigate."
EGRESS_FAILED_REASON = "Egress network verifier failed. Please investigate."
NOT_BANNED = "User is not banned."
EXPORT_CONTROL_REASON = "Export Control Compliance ban detected, please refer to the SOP."
BANNED_REASON = "User is banned, please refer to the SOP."
LOOKUP_FAILED_REASON = "Failed to check if user is banned"
COMPLETE_REASON = "OCMAgentResponseFailureServiceLogsSRE investigation complete"
SL_HELD_BACK = (
    f"Service Log ({BANNED_OWNER_SL_SUMMARY}) not sent: the banned-owner service log is "
    "experimental (CAD_EXPERIMENTAL_ENABLED is off). Please send it manually if the SOP says so."
)


@dataclass(frozen=True)
class EgressFinding:
    """The note line for the egress verification, and whether it stops the investigation
    (a failure: escalated)."""

    line: str
    passed: bool = False
    stop: bool = False


def egress_finding(result: EgressResult) -> EgressFinding:
    """A failure stops and escalates; anything else is noted and the investigation goes on
    (the verifier failing to run is not a finding about the cluster)."""
    if result.outcome == "failure":
        return EgressFinding(
            f"Network verifier reported failure: {result.failure_reason}", stop=True
        )
    if result.outcome == "success":
        return EgressFinding("Network verifier passed", passed=True)
    if result.outcome == "error":
        return EgressFinding(f"NetworkVerifier failed to run:\n {result.message}")
    return EgressFinding(f"Egress was not verified: {result.message}")


@dataclass(frozen=True)
class BanVerdict:
    """What a banned owner means: the note lines, whether the banned-owner service log is
    sent, and why the incident is escalated."""

    warnings: tuple[str, ...]
    service_log: bool
    reason: str


def ban_verdict(ban: OwnerBan | None, *, experimental: bool) -> BanVerdict | None:
    """``None`` when the owner is not banned (the investigation goes on). An export control
    ban is SRE's (the SOP); any other ban gets the service log, but only when experimental
    features are enabled (the original's informing phase); otherwise the note says it was
    held back."""
    if ban is None:
        return None
    if ban.export_control:
        return BanVerdict((str(ban),), service_log=False, reason=EXPORT_CONTROL_REASON)
    if experimental:
        return BanVerdict((str(ban),), service_log=True, reason=BANNED_REASON)
    return BanVerdict((str(ban), SL_HELD_BACK), service_log=False, reason=BANNED_REASON)
