"""The AI agent client (boto3's bedrock-agentcore, the invoker role assumed in moto's STS)
against the sandbox's AgentCore simulator."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from cad.clients.agentcore import AgentCoreClient, AgentTimeoutError, session_id
from cad.config.ai_agent import AiAgentConfig
from cad.errors import ForbiddenError, ServerError
from cad.retry import RetryPolicy
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import AgentSpec, WorldSpec

ROLE = "arn:aws:iam::123456789012:role/cad-ai-invoker"
RUNTIME = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/cad_agent-abc123"
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def agent_config(timeout_seconds: int = 5) -> AiAgentConfig:
    return AiAgentConfig(
        runtime_arn=RUNTIME,
        user_id="cad-service-account",
        region="us-east-1",
        invoker_role_arn=ROLE,
        timeout_seconds=timeout_seconds,
    )


def client_for(sandbox: Sandbox, timeout_seconds: int = 5) -> AgentCoreClient:
    settings = sandbox.settings()
    return AgentCoreClient(
        agent_config(timeout_seconds),
        now=lambda: NOW,
        sts_endpoint_url=settings.aws_endpoint_url,
        agent_endpoint_url=settings.agentcore_endpoint_url,
        base_credentials=settings.agentcore_credentials(),
        retry=RetryPolicy(max_attempts=3, initial_wait_s=0.05, max_wait_s=0.1, jitter_s=0.0),
    )


def payload() -> bytes:
    return json.dumps({"investigation_id": "Q1ABC", "cluster_id": "c1", "alert_name": "X"}).encode()


def test_the_invoker_role_is_assumed_and_the_streamed_answer_is_read_whole(
    sandbox: Sandbox,
) -> None:
    # Given an agent that answers a Cora result, pretty-printed over many streamed lines
    sandbox.seed(WorldSpec(ai_agent=AgentSpec(double_encoded=False, invoker_role_arn=ROLE)))
    # When CAD invokes it for incident Q1ABC
    answer = client_for(sandbox).invoke(incident_id="Q1ABC", payload=payload())
    # Then the whole answer arrives, the data: prefixes gone
    result = json.loads(answer.text)
    assert result["investigation_id"] == "Q1ABC"
    assert result["cluster_id"] == "c1"
    # And the agent saw the invoker role's session, the user id and the payload
    [call] = sandbox.agent.invocations
    assert call["runtime_arn"] == RUNTIME
    assert call["role_arn"] == ROLE
    assert call["role_session_name"] == "CAD-AI-Investigation-Q1ABC"
    assert call["user_id"] == "cad-service-account"
    assert call["accept"] == "text/event-stream"
    assert call["payload"]["alert_name"] == "X"
    assert call["session_id"] == answer.session_id
    assert answer.session_id.startswith(f"cad-Q1ABC-{int(NOW.timestamp())}-")


def test_a_double_encoded_answer_arrives_as_the_agent_sent_it(sandbox: Sandbox) -> None:
    sandbox.seed(WorldSpec(ai_agent=AgentSpec(answer={"summary": "etcd is slow"})))
    answer = client_for(sandbox).invoke(incident_id="Q1ABC", payload=payload())
    assert json.loads(json.loads(answer.text))["summary"] == "etcd is slow"


def test_a_role_the_agent_does_not_trust_is_refused(sandbox: Sandbox) -> None:
    other = "arn:aws:iam::123456789012:role/somebody-else"
    sandbox.seed(WorldSpec(ai_agent=AgentSpec(invoker_role_arn=other)))
    with pytest.raises(ForbiddenError) as refused:
        client_for(sandbox).invoke(incident_id="Q1ABC", payload=payload())
    assert refused.value.code == "AccessDeniedException"
    assert len(sandbox.agent.invocations) == 0


def test_throttling_and_server_errors_are_tried_again_within_the_deadline(
    sandbox: Sandbox,
) -> None:
    # Given an agent that throttles once, then fails once
    hits_before = sandbox.faults("agentcore").hits
    sandbox.inject("agentcore", path="/runtimes/*", status=429, times=1)
    sandbox.inject("agentcore", path="/runtimes/*", status=500, times=1)
    # When CAD invokes it
    answer = client_for(sandbox).invoke(incident_id="Q1ABC", payload=payload())
    # Then the third attempt's answer arrives, after both faults
    assert "Q1ABC" in answer.text
    assert sandbox.faults("agentcore").hits - hits_before == 2
    assert len(sandbox.agent.invocations) == 1


def test_an_agent_that_keeps_failing_fails_with_its_error(sandbox: Sandbox) -> None:
    sandbox.inject("agentcore", path="/runtimes/*", status=500)
    with pytest.raises(ServerError) as failed:
        client_for(sandbox).invoke(incident_id="Q1ABC", payload=payload())
    assert failed.value.code == "InternalServerException"


def test_a_stalled_stream_ends_at_the_deadline_with_a_timeout(sandbox: Sandbox) -> None:
    # Given an agent that streams two lines, then nothing, the connection left open
    sandbox.seed(WorldSpec(ai_agent=AgentSpec(double_encoded=False, stall_after_lines=2)))
    started = time.monotonic()
    # When CAD invokes it with a 2-second timeout
    with pytest.raises(AgentTimeoutError):
        client_for(sandbox, timeout_seconds=2).invoke(incident_id="Q1ABC", payload=payload())
    # Then it gives up at the deadline, not at the server's pace
    assert time.monotonic() - started < 4


def test_an_agent_that_never_answers_times_out(sandbox: Sandbox) -> None:
    sandbox.inject("agentcore", path="/runtimes/*", hang=True)
    started = time.monotonic()
    with pytest.raises(AgentTimeoutError):
        client_for(sandbox, timeout_seconds=1).invoke(incident_id="Q1ABC", payload=payload())
    assert time.monotonic() - started < 4


def test_session_ids_are_long_enough_for_agentcore_and_unique() -> None:
    first, second = session_id("Q1", NOW), session_id("Q1", NOW)
    assert len(first) >= 33
    assert first != second
