"""aiassisted: what it decides for each answer of the agent (an in-memory agent), the
original's report format, and the payload it sends; the sandbox runs are the ai-* scenarios
(tests/scenarios) and the client's tests (tests/clients/test_agentcore.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pytest

from cad.actions import BackplaneReport, EscalateIncident
from cad.clients.models import AgentAnswer
from cad.config.ai_agent import AiAgentConfig
from cad.errors import CADError, ServerError
from cad.investigations.aiassisted import checks
from cad.investigations.aiassisted.investigation import AiAssisted
from cad.investigations.framework.base import Result
from cad.investigations.framework.resources import IncidentInfo
from cad.scenarios.model import Scenario, load_scenario
from cad.scenarios.runner import run_scenario
from cad.simulators.sandbox import Sandbox
from cad.testing.readers import FakeWorld, cluster
from tests.investigations.helpers import note_text, of_type, types

CONFIG = AiAgentConfig(
    runtime_arn="arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/cad_agent-abc123",
    user_id="cad-service-account",
    region="us-east-1",
    invoker_role_arn="arn:aws:iam::123456789012:role/cad-ai-invoker",
)
INCIDENT = IncidentInfo("Q1ABC", "KubeAPIErrorBudgetBurn Critical", "osd-deadmanssnitch")
CORA = {
    "investigation_id": "Q1ABC",
    "cluster_id": "c1",
    "alert_name": "KubeAPIErrorBudgetBurn Critical",
    "timestamp": "2026-11-29T10:00:00Z",
    "duration_seconds": 12.5,
    "summary": "etcd is slow",
    "confidence": "medium",
    "reasoning": "latency rose",
    "evidence": "p99 2s",
    "remediation_steps": [
        {"action": "Look at etcd", "command": "oc get etcd"},
        {"action": "Wait", "command": None},
    ],
    "needs_escalation": False,
    "escalation_reason": None,
}


@dataclass
class FakeAgent:
    """An agent answering ``text`` (or raising ``error``); remembers what it was asked."""

    text: str = ""
    error: Exception | None = None
    config: AiAgentConfig = CONFIG
    asked: list[tuple[str, bytes]] = field(default_factory=list)

    def invoke(self, *, incident_id: str, payload: bytes) -> AgentAnswer:
        self.asked.append((incident_id, payload))
        if self.error is not None:
            raise self.error
        return AgentAnswer(session_id="cad-Q1ABC-1-0123456789abcdef", text=self.text)


def run(
    agent: FakeAgent | None, world: FakeWorld | None = None, incident: IncidentInfo = INCIDENT
) -> Result:
    world = world or FakeWorld(cluster=cluster())
    return AiAssisted().run(world.resources("aiassisted", agent=agent, incident=incident))


def test_an_answer_becomes_a_report_on_the_external_id_a_note_and_an_escalation() -> None:
    agent = FakeAgent(text=json.dumps(json.dumps(CORA)))
    result = run(agent)
    assert types(result) == ["backplane_report", "pagerduty_note", "escalate_incident"]
    report = of_type(result, "backplane_report")
    assert isinstance(report, BackplaneReport)
    assert report.cluster_id == "ext-c1"
    assert (
        report.summary
        == "CAD Investigation: AI-Assisted Analysis for KubeAPIErrorBudgetBurn Critical"
    )
    assert report.created_at is None
    assert report.data == checks.format_report(checks.CoraResult.model_validate(CORA))
    assert "AI automation completed" in note_text(result)
    assert "'osdctl cluster reports list --cluster-id c1'" in note_text(result)
    escalation = of_type(result, "escalate_incident")
    assert isinstance(escalation, EscalateIncident)
    assert escalation.reason == "AI investigation completed - manual review required"


def test_the_agent_is_asked_about_the_incident_and_the_cluster_as_the_original_asks() -> None:
    agent = FakeAgent(text=json.dumps(CORA))
    run(agent)
    [(incident_id, payload)] = agent.asked
    assert incident_id == "Q1ABC"
    assert json.loads(payload) == {
        "investigation_id": "Q1ABC",
        "investigation_payload": "{}",
        "alert_name": "KubeAPIErrorBudgetBurn Critical",
        "cluster_id": "c1",
    }


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            ServerError("boom", system="aws", endpoint="POST /runtimes"),
            "Failed to invoke AgentCore runtime",
        ),
        (
            CADError("the AI agent was not invoked: dry run"),
            "the AI agent was not invoked: dry run",
        ),
    ],
)
def test_an_agent_that_fails_is_noted_reported_and_escalated(error: Exception, line: str) -> None:
    result = run(FakeAgent(error=error))
    assert types(result) == ["backplane_report", "pagerduty_note", "escalate_incident"]
    assert line in note_text(result)
    report = of_type(result, "backplane_report")
    assert isinstance(report, BackplaneReport)
    assert report.cluster_id == "c1"
    assert report.summary == "aiassisted"
    assert "silence_incident" not in types(result)


def test_an_unreadable_answer_keeps_the_raw_text_in_the_report_only() -> None:
    result = run(FakeAgent(text="data that is not JSON at all"))
    assert "Failed to parse Cora JSON response" in note_text(result)
    assert "data that is not JSON at all" not in note_text(result)
    report = of_type(result, "backplane_report")
    assert isinstance(report, BackplaneReport)
    assert "Raw output:\ndata that is not JSON at all" in report.data
    assert types(result)[-1] == "escalate_incident"


@pytest.mark.parametrize(
    ("world", "warning"),
    [
        (FakeWorld(cluster=cluster(hcp=True)), "HCP cluster - skipping AI investigation"),
        (
            FakeWorld(cluster=cluster(), infrastructure=True),
            "Management/Service cluster - skipping",
        ),
    ],
)
def test_hcp_and_infrastructure_clusters_are_escalated_without_asking(
    world: FakeWorld, warning: str
) -> None:
    agent = FakeAgent(text=json.dumps(CORA))
    result = run(agent, world)
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    assert warning in note_text(result)
    assert agent.asked == []


def test_without_an_agent_or_an_incident_nothing_is_asked_and_the_incident_escalated() -> None:
    no_agent = run(None)
    assert types(no_agent) == ["backplane_report", "pagerduty_note", "escalate_incident"]
    assert "ai_agent section missing" in note_text(no_agent)
    agent = FakeAgent(text=json.dumps(CORA))
    manual = run(agent, incident=IncidentInfo())
    assert types(manual) == ["pagerduty_note", "escalate_incident"]
    assert "needs a PagerDuty incident" in note_text(manual)
    assert agent.asked == []


def test_the_report_is_formatted_line_for_line_as_the_original() -> None:
    text = checks.format_report(checks.CoraResult.model_validate(CORA))
    assert text == (
        "**Cluster ID**: c1\n"
        "**Alert Name**: KubeAPIErrorBudgetBurn Critical\n\n"
        "## Summary\n\netcd is slow\n\n"
        "**Confidence**: MEDIUM\n\n"
        "**Reasoning**: latency rose\n\n"
        "## Evidence\n\np99 2s\n\n"
        "## Action Steps\n\n"
        "1. Look at etcd\n   ```bash\n   oc get etcd\n   ```\n"
        "2. Wait\n\n"
        "## Escalation Decision\n\n✅ No escalation needed\n"
    )


def test_a_report_without_steps_and_with_an_escalation_says_so() -> None:
    result = checks.CoraResult(needs_escalation=True, escalation_reason="needs a human")
    text = checks.format_report(result)
    assert "No action steps available.\n\n" in text
    assert text.endswith("⚠️ ESCALATE\n**Reason**: needs a human\n")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"needs_escalation": "maybe"}), "needs_escalation"),
        (json.dumps({"timestamp": "yesterday"}), "timestamp"),
    ],
)
def test_answers_that_are_not_cora_results_are_refused_saying_why(
    answer: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        checks.parse_answer(answer)


def test_missing_fields_take_zero_values_and_a_double_encoded_answer_is_unwrapped() -> None:
    parsed = checks.parse_answer(json.dumps(json.dumps({"summary": "s"})))
    assert parsed.summary == "s"
    assert parsed.remediation_steps == []
    assert parsed.needs_escalation is False


def test_raw_output_is_cut_at_the_originals_limit() -> None:
    raw = checks.raw_output("x" * (checks.RAW_OUTPUT_LIMIT + 10))
    assert raw.endswith("\n... [truncated]")
    assert len(raw) == checks.RAW_OUTPUT_LIMIT + len("\n... [truncated]")


def scenario(name: str) -> Scenario:
    path = Path(str(resources.files("cad.scenarios").joinpath("library", f"{name}.yaml")))
    return load_scenario(path.read_text(), str(path))


def test_the_fallback_asks_the_agent_as_the_invoker_role_about_the_incident(
    sandbox: Sandbox,
) -> None:
    # Given an unhandled alert and a config with the ai_agent section
    result = run_scenario(scenario("ai-fallback-report"), sandbox)
    assert result.passed, result.failed_checks
    # Then the agent was invoked once, by the invoker role, about this incident and cluster
    [call] = sandbox.agent.invocations
    incident_id = scenario("ai-fallback-report").incident_id()
    assert call["role_arn"] == "arn:aws:iam::123456789012:role/cad-ai-invoker"
    assert call["role_session_name"] == f"CAD-AI-Investigation-{incident_id}"
    assert call["user_id"] == "cad-service-account"
    assert call["session_id"].startswith(f"cad-{incident_id}-")
    assert call["payload"]["cluster_id"] == "2abcdefghijklmnopqrstuvwxyz01234"
    # And the report is stored on the cluster, named by its external id
    [report] = sandbox.backplane.reports["2abcdefghijklmnopqrstuvwxyz01234"]
    assert report["summary"].startswith("CAD Investigation: AI-Assisted Analysis for")


def test_a_dry_run_fallback_neither_invokes_the_agent_nor_writes(sandbox: Sandbox) -> None:
    result = run_scenario(scenario("ai-fallback-dry-run"), sandbox)
    assert result.passed, result.failed_checks
    assert sandbox.agent.invocations == []
    assert sandbox.writes() == dict.fromkeys(sandbox.writes(), 0)


def test_with_the_fallback_off_the_agent_is_never_asked(sandbox: Sandbox) -> None:
    result = run_scenario(scenario("ai-fallback-off"), sandbox)
    assert result.passed, result.failed_checks
    assert sandbox.agent.invocations == []
