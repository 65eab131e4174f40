"""The ``ai_agent`` section of the investigation config: the AWS Bedrock AgentCore runtime the
``aiassisted`` investigation invokes, as the original's ``AIAgentConfig``.

Required: ``runtime_arn``, ``user_id``, ``region``, ``invoker_role_arn``. Optional:
``timeout_seconds`` (0 or absent: 900, the original's default) and the version fields, which
are only logged (audit). None of these values is a secret: the credentials come from the
role CAD assumes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

__all__ = ["DEFAULT_AGENT_TIMEOUT_S", "MAX_AGENT_TIMEOUT_S", "AiAgentConfig"]

DEFAULT_AGENT_TIMEOUT_S = 900
MAX_AGENT_TIMEOUT_S = 3600
"""An hour: past that the incident has waited for a human far too long."""

_RUNTIME_ARN = r"^arn:aws[a-z-]*:bedrock-agentcore:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:runtime/\S+$"
_ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/\S+$"
_REGION = r"^[a-z]{2}(-[a-z]+)+-\d+$"


class AiAgentConfig(BaseModel):
    """Where and as whom CAD invokes the AI agent, and for how long it waits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    runtime_arn: StrictStr = Field(pattern=_RUNTIME_ARN)
    user_id: StrictStr = Field(min_length=1)
    region: StrictStr = Field(pattern=_REGION)
    invoker_role_arn: StrictStr = Field(pattern=_ROLE_ARN)
    timeout_seconds: StrictInt = Field(default=DEFAULT_AGENT_TIMEOUT_S, ge=0)
    version: StrictStr = ""
    ops_sop_version: StrictStr = ""
    rosa_plugins_version: StrictStr = ""

    @field_validator("user_id")
    @classmethod
    def _user_not_blank(cls, user_id: str) -> str:
        if not user_id.strip():
            raise ValueError("user_id must not be blank")
        return user_id

    @field_validator("timeout_seconds")
    @classmethod
    def _timeout(cls, seconds: int) -> int:
        if seconds == 0:  # the original's "not set"
            return DEFAULT_AGENT_TIMEOUT_S
        if seconds > MAX_AGENT_TIMEOUT_S:
            raise ValueError(
                f"timeout_seconds must be at most {MAX_AGENT_TIMEOUT_S} (an incident waits "
                "for the agent before it is escalated)"
            )
        return seconds
