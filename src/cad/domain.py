"""Small value types shared by every layer: which cluster, which incident."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = ["ClusterRef", "IncidentRef", "InfraStatus", "Stage"]


class ClusterRef(BaseModel):
    """The cluster an execution is about."""

    model_config = ConfigDict(frozen=True)

    id: str
    external_id: str = ""
    name: str = ""
    product: str = ""  # "rosa", "osd", or "" when unknown


class IncidentRef(BaseModel):
    """The PagerDuty incident an execution works for."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str = ""


class InfraStatus(StrEnum):
    """Whether the cluster is an infrastructure cluster (management, service or hive)."""

    NO = "no"
    YES = "yes"
    UNKNOWN = "unknown"  # the lookup failed: treated as YES (fail closed)


class Stage(StrEnum):
    """An investigation's stage: informing only tells, actioning acts."""

    INFORMING = "informing"
    ACTIONING = "actioning"
