"""The investigation config's ai_agent section: the original's fields, validated with errors
naming the file, the line and the key; aiassisted needs it."""

from __future__ import annotations

import pytest

from cad.config.investigation_config import InvestigationConfigError, parse_config
from cad.investigations.registry import REGISTRY

KNOWN = REGISTRY.names()
SECTION = """
ai_agent:
  runtime_arn: arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/cad_agent-abc123
  user_id: cad-service-account
  region: us-east-1
  invoker_role_arn: arn:aws:iam::123456789012:role/cad-ai-invoker
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InvestigationConfigError) as caught:
        parse_config(text, "cad.yaml", known=KNOWN)
    return caught.value.problems


def test_the_section_loads_with_the_originals_default_timeout() -> None:
    config = parse_config(SECTION + "alerts: []\n", "cad.yaml", known=KNOWN)
    assert config.ai_agent is not None
    assert config.ai_agent.timeout_seconds == 900
    assert config.ai_agent.region == "us-east-1"
    zero = parse_config(SECTION + "  timeout_seconds: 0\n", "cad.yaml", known=KNOWN)
    assert zero.ai_agent is not None
    assert zero.ai_agent.timeout_seconds == 900


def test_without_the_section_there_is_no_agent() -> None:
    assert parse_config("alerts: []\n", "cad.yaml", known=KNOWN).ai_agent is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            "runtime_arn: arn:aws:lambda:us-east-1:123456789012:function:x",
            "cad.yaml:3: ai_agent.runtime_arn",
        ),
        ("user_id: '  '", "cad.yaml:4: ai_agent.user_id: Value error, user_id must not be blank"),
        ("region: Mars", "cad.yaml:5: ai_agent.region"),
        ("invoker_role_arn: ''", "cad.yaml:6: ai_agent.invoker_role_arn"),
        ("timeout_seconds: 7200", "timeout_seconds must be at most 3600"),
        ("timeout_seconds: -1", "ai_agent.timeout_seconds"),
        ("model: claude", "ai_agent.model: Extra inputs are not permitted"),
    ],
)
def test_invalid_fields_are_named_with_their_line(change: str, expected: str) -> None:
    key = change.split(":")[0]
    lines = [
        f"  {change}" if line.strip().startswith(f"{key}:") else line
        for line in SECTION.splitlines()
    ]
    if not any(line.strip().startswith(f"{key}:") for line in SECTION.splitlines()):
        lines.append(f"  {change}")
    found = problems("\n".join(lines) + "\n")
    assert any(expected in p for p in found), found


def test_a_missing_required_field_is_named() -> None:
    text = "\n".join(line for line in SECTION.splitlines() if "user_id" not in line)
    assert any("ai_agent.user_id: Field required" in p for p in problems(text))


def test_an_aiassisted_entry_needs_the_section() -> None:
    text = """
alerts:
  - alert_title: KubeAPIErrorBudgetBurn
    investigations:
      - precheck
      - aiassisted
"""
    [problem] = problems(text)
    assert problem.startswith(
        "cad.yaml:6: alerts[0].investigations[1]: aiassisted needs the ai_agent"
    )
    config = parse_config(SECTION + text, "cad.yaml", known=KNOWN)
    assert [e.name for e in config.alerts[0].investigations] == ["precheck", "aiassisted"]
