"""insightsoperatordown's decisions, as pure functions: the owner's ban, the symptom of
OCPBUGS-22226 on the ``insights`` ClusterOperator."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cad.investigations.framework.kube_models import Condition

__all__ = [
    "OCPBUGS_22226_REMEDIATION",
    "SCA_SYMPTOM",
    "ClusterOperator",
    "Condition",
    "banned_warning",
    "is_ocpbugs_22226",
]

SCA_SYMPTOM = "Failed to pull SCA certs"
OCPBUGS_22226_REMEDIATION = (
    "Found symptom of OCPBUGS-22226. Try deleting the insights operator pod to remediate.\n"
    "$ oc -n openshift-insights delete pods -l app=insights-operator --wait=false"
)


class _Status(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    conditions: list[Condition] = Field(default_factory=list)


class ClusterOperator(BaseModel):
    """The parts of a ``config.openshift.io/v1`` ClusterOperator this investigation reads."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: _Status = Field(default_factory=_Status)

    @property
    def conditions(self) -> list[Condition]:
        """The operator's status conditions."""
        return self.status.conditions

    @classmethod
    def from_object(cls, obj: dict[str, Any]) -> ClusterOperator:
        """Parse the object as the Kubernetes API returns it (``status: null`` included)."""
        status = obj.get("status") or {}
        conditions = status.get("conditions") or [] if isinstance(status, dict) else []
        return cls.model_validate(
            {"status": {"conditions": [c for c in conditions if isinstance(c, dict)]}}
        )


def is_ocpbugs_22226(operator: ClusterOperator) -> bool:
    """Whether an ``SCAAvailable`` condition says the SCA certificates could not be pulled."""
    return any(
        condition.type == "SCAAvailable" and SCA_SYMPTOM in condition.message
        for condition in operator.conditions
    )


class BannedOwner(Protocol):
    """What the warning needs of the owner's account (an OCM ``Account``)."""

    @property
    def ban_code(self) -> str: ...
    @property
    def ban_description(self) -> str: ...


def banned_warning(owner: BannedOwner) -> str:
    """The note line for a banned owner: SRE opens a proactive case."""
    return (
        f"User is banned: {owner.ban_code}\nBan description: {owner.ban_description}\n"
        "Please open a proactive case, so that MCS can resolve the ban or organize a "
        "ownership transfer."
    )
