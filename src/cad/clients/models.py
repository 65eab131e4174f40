"""Plain data models shared by clients, executor and investigations (no I/O here)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

__all__ = ["IncidentState", "LimitedSupportReasonEntry", "RestConfig", "ServiceLogEntry"]


class ServiceLogEntry(BaseModel):
    """A service log as OCM lists it."""

    model_config = ConfigDict(frozen=True)

    summary: str
    description: str = ""
    severity: str = ""
    service_name: str = ""
    log_type: str = ""
    internal_only: bool = False
    timestamp: datetime | None = None


class LimitedSupportReasonEntry(BaseModel):
    """A limited-support reason as OCM lists it."""

    model_config = ConfigDict(frozen=True)

    id: str
    summary: str
    details: str = ""


class IncidentState(BaseModel):
    """What the executor needs to know of an incident before changing it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    status: str  # triggered | acknowledged | resolved
    escalation_policy_id: str


class RestConfig(BaseModel):
    """Where and how to reach a cluster's Kubernetes API through backplane."""

    model_config = ConfigDict(frozen=True)

    host: str
    token: str
    remediation_id: str = ""

    def __repr__(self) -> str:  # never show the token
        return f"RestConfig(host={self.host!r}, remediation_id={self.remediation_id!r})"
