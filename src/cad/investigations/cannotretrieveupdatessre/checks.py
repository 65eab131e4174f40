"""cannotretrieveupdatessre's decisions, as pure functions: what the ``version``
ClusterVersion's ``RetrievedUpdates`` condition says."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cad.investigations.framework.kube_models import Condition

__all__ = [
    "ESCALATION_WARNING",
    "ClusterVersion",
    "Condition",
    "failed_retrieval",
    "retrieval_warning",
    "update_retrieval_failure",
]

ESCALATION_WARNING = (
    "Alert escalated to on-call primary for review and please check the ClusterVersion."
)


class ClusterVersion(BaseModel):
    """The parts of the ``config.openshift.io/v1`` ClusterVersion this investigation reads."""

    model_config = ConfigDict(frozen=True)

    channel: str = ""
    desired_version: str = ""
    conditions: list[Condition] = Field(default_factory=list)

    @classmethod
    def from_object(cls, obj: dict[str, Any]) -> ClusterVersion:
        """Parse the object as the Kubernetes API returns it (absent or null parts allowed)."""
        spec = _mapping(obj.get("spec"))
        status = _mapping(obj.get("status"))
        desired = _mapping(status.get("desired"))
        conditions = status.get("conditions") or []
        return cls(
            channel=str(spec.get("channel") or ""),
            desired_version=str(desired.get("version") or ""),
            conditions=[Condition.model_validate(c) for c in conditions if isinstance(c, dict)],
        )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def failed_retrieval(version: ClusterVersion) -> Condition | None:
    """The first ``RetrievedUpdates`` condition that is False (``None``: updates retrieved,
    or the condition is absent)."""
    return next(
        (c for c in version.conditions if c.type == "RetrievedUpdates" and c.status == "False"),
        None,
    )


def update_retrieval_failure(version: ClusterVersion) -> str:
    """``(Reason: r). message`` of the failed retrieval; "" when there is none."""
    condition = failed_retrieval(version)
    return "" if condition is None else f"(Reason: {condition.reason}). {condition.message}"


def retrieval_warning(version: ClusterVersion) -> str | None:
    """The note line for a failed retrieval (``None`` when there is none). The original said
    "Current version v not found in channel c" whatever the reason; here only
    ``VersionNotFound`` claims it."""
    condition = failed_retrieval(version)
    if condition is None:
        return None
    prefix = f"ClusterVersion related issue detected: {update_retrieval_failure(version)}."
    channel = version.channel or "(none set)"
    if condition.reason == "VersionNotFound":
        return f"{prefix} Current version {version.desired_version} not found in channel {channel}"
    return f"{prefix} Current version {version.desired_version}, channel {channel}"
