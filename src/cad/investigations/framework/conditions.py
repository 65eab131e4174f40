"""A status condition of an OpenShift or Kubernetes object, as investigations read it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["Condition"]


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
