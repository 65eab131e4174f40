"""Organization routing: which organizations' incidents go to an escalation policy of their own.

``CAD_ORG_POLICY_MAPPING`` holds the original's JSON,
``{"organizations": [{"name", "org_ids": [...], "escalation_policy"}]}``. When the cluster
of an incident belongs to a listed organization, CAD moves the incident to that policy
before the chain runs, and every hand-over to a human goes to it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

__all__ = ["OrgPolicy", "OrgPolicyMapping", "Organization", "parse_org_policy_mapping"]


class Organization(BaseModel):
    """A customer organization (one or more OCM organization ids) and its policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: StrictStr = ""
    org_ids: tuple[StrictStr, ...] = Field(min_length=1)
    escalation_policy: StrictStr = Field(min_length=1, pattern=r"^\S+$")

    @field_validator("org_ids")
    @classmethod
    def _ids_not_blank(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        if any(not org_id.strip() for org_id in ids):
            raise ValueError("an organization id is empty")
        return ids


class OrgPolicy(BaseModel):
    """Where one organization's incidents go."""

    model_config = ConfigDict(frozen=True)

    organization_id: str
    organization: str
    policy: str


class OrgPolicyMapping(BaseModel):
    """The whole mapping; empty by default (no organization routing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organizations: tuple[Organization, ...] = ()

    @model_validator(mode="after")
    def _one_policy_per_id(self) -> OrgPolicyMapping:
        seen: dict[str, str] = {}
        for org in self.organizations:
            for org_id in org.org_ids:
                if seen.get(org_id, org.escalation_policy) != org.escalation_policy:
                    raise ValueError(
                        f"organization id {org_id!r} is mapped to two policies "
                        f"({seen[org_id]} and {org.escalation_policy})"
                    )
                seen[org_id] = org.escalation_policy
        return self

    def __bool__(self) -> bool:
        return bool(self.organizations)

    def policy_for(self, organization_id: str) -> OrgPolicy | None:
        """The policy of the organization with this id, or ``None`` (unmapped or empty)."""
        if not organization_id:
            return None
        for org in self.organizations:
            if organization_id in org.org_ids:
                return OrgPolicy(
                    organization_id=organization_id,
                    organization=org.name or organization_id,
                    policy=org.escalation_policy,
                )
        return None


def parse_org_policy_mapping(value: Any) -> Any:
    """The setting's raw value: JSON text (empty means no mapping), or already parsed."""
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON ({error.msg} at character {error.pos})") from None
    return value
