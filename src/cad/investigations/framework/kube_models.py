"""Base model and status condition for the Kubernetes and OpenShift objects investigations
parse from the API's plain dicts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["Condition", "KubeModel"]


class KubeModel(BaseModel):
    """The part of an API object an investigation reads: unknown fields ignored, fields by
    their Python name or their API alias, frozen."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Condition(BaseModel):
    """``type``, ``status``, ``reason`` and ``message`` of a status condition (a ``null``
    field reads as empty text)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""

    @field_validator("*", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        return "" if value is None else value
