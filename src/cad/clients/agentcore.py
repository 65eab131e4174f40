"""The AI agent: AWS Bedrock AgentCore's ``InvokeAgentRuntime`` through boto3, as the
original's ``aws.GetAIClient``: CAD's own credentials (boto3's default chain, or the
``AGENTCORE_AWS_*`` pair) assume ``invoker_role_arn`` (session ``CAD-AI-Investigation-
<incident>``, one hour), and the assumed role invokes the runtime, asking for a streamed
answer (``Accept: text/event-stream``).

The whole invocation (role, call, every line of the stream) runs inside the config's
``timeout_seconds``: a watchdog closes the stream when the time is up, and the call fails
with :class:`AgentTimeoutError`. Throttling, 5xx answers and broken connections are tried
again while time is left. Read-only from CAD's point of view: the agent writes nothing
CAD sees; its answer becomes a cluster report through the executor.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from cad.clients.aws_errors import translated
from cad.clients.models import AgentAnswer
from cad.config.ai_agent import AiAgentConfig
from cad.errors import CADError, NetworkError
from cad.retry import Deadline, GaveUpError, RetryPolicy, call_with_retries

__all__ = ["AgentCoreClient", "AgentTimeoutError", "NotInvokedAgent", "session_id"]

_ENDPOINT = "POST /runtimes/{agentRuntimeArn}/invocations"
_ROLE_DURATION_S = 3600
_MAX_ATTEMPTS = 3


class AgentTimeoutError(NetworkError):
    """The agent did not finish its answer within ``ai_agent.timeout_seconds``."""


def session_id(incident_id: str, now: datetime) -> str:
    """The runtime session: ``cad-<incident>-<unix seconds>-<16 hex>``, as the original's
    (at least 33 characters, as AgentCore requires)."""
    return f"cad-{incident_id}-{int(now.timestamp())}-{secrets.token_hex(8)}"


def _role_session_name(incident_id: str) -> str:
    # STS: at most 64 characters of [\w+=,.@-].
    safe = "".join(c if c.isalnum() or c in "+=,.@-_" else "-" for c in incident_id)
    return f"CAD-AI-Investigation-{safe}"[:64]


class AgentCoreClient:
    """Invokes the configured agent runtime (``AgentRead`` of the investigations)."""

    def __init__(
        self,
        config: AiAgentConfig,
        *,
        now: Callable[[], datetime],
        sts_endpoint_url: str | None = None,
        agent_endpoint_url: str | None = None,
        base_credentials: tuple[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self._now = now
        self._sts_endpoint_url = sts_endpoint_url
        self._agent_endpoint_url = agent_endpoint_url
        self._base_credentials = base_credentials
        self._retry = retry or RetryPolicy(
            max_attempts=_MAX_ATTEMPTS, initial_wait_s=2.0, max_wait_s=30.0, jitter_s=1.0
        )

    def invoke(self, *, incident_id: str, payload: bytes) -> AgentAnswer:
        """The agent's answer to ``payload`` about the incident; a :class:`CADError` (often
        a :class:`~cad.errors.ClientError`) when it cannot be had in time."""
        deadline = Deadline(float(self.config.timeout_seconds), time.monotonic)
        session = session_id(incident_id, self._now())
        assumed: list[dict[str, Any]] = []

        def attempt() -> AgentAnswer:
            if not assumed:
                assumed.append(self._assume_role(incident_id, deadline))
            text = self._invoke_once(assumed[0], session, payload, deadline)
            return AgentAnswer(session_id=session, text=text)

        try:
            answer, _ = call_with_retries(attempt, policy=self._retry, deadline=deadline)
        except GaveUpError as failure:
            if isinstance(failure.error, NetworkError) and deadline.remaining() <= 0:
                raise AgentTimeoutError(
                    f"the agent did not answer within {self.config.timeout_seconds} s "
                    f"({failure.error})",
                    system="aws",
                    endpoint=_ENDPOINT,
                ) from failure.error
            raise failure.error from failure.error.__cause__
        return answer

    def _boto_config(self, deadline: Deadline) -> Config:
        remaining = max(1.0, deadline.remaining())
        return Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=min(10.0, remaining),
            read_timeout=remaining,
        )

    def _assume_role(self, incident_id: str, deadline: Deadline) -> dict[str, Any]:
        keys: dict[str, Any] = {}
        if self._base_credentials is not None:
            keys = {
                "aws_access_key_id": self._base_credentials[0],
                "aws_secret_access_key": self._base_credentials[1],
            }
        with translated("STS AssumeRole (AI agent invoker)"):
            sts = boto3.client(
                "sts",
                region_name=self.config.region,
                endpoint_url=self._sts_endpoint_url,
                config=self._boto_config(deadline),
                **keys,
            )
            try:
                answer = sts.assume_role(
                    RoleArn=self.config.invoker_role_arn,
                    RoleSessionName=_role_session_name(incident_id),
                    DurationSeconds=_ROLE_DURATION_S,
                )
                credentials: dict[str, Any] = dict(answer["Credentials"])
            except botocore.exceptions.NoCredentialsError as exc:
                raise CADError(
                    "no AWS credentials to assume the AI agent's invoker role with "
                    "(set AGENTCORE_AWS_ACCESS_KEY_ID and AGENTCORE_AWS_SECRET_ACCESS_KEY, or "
                    "give CAD's pod a role)"
                ) from exc
            finally:
                sts.close()
        return credentials

    def _invoke_once(
        self, credentials: dict[str, Any], session: str, payload: bytes, deadline: Deadline
    ) -> str:
        agent = boto3.client(
            "bedrock-agentcore",
            region_name=self.config.region,
            endpoint_url=self._agent_endpoint_url,
            config=self._boto_config(deadline),
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        try:
            with translated(_ENDPOINT):
                response = agent.invoke_agent_runtime(
                    agentRuntimeArn=self.config.runtime_arn,
                    runtimeSessionId=session,
                    runtimeUserId=self.config.user_id,
                    payload=payload,
                    contentType="application/json",
                    accept="text/event-stream",
                )
            return _read_stream(response["response"], deadline)
        finally:
            agent.close()


def _read_stream(body: Any, deadline: Deadline) -> str:
    """Every line of the streamed answer, ``data: `` removed, as the original reads it. A
    watchdog closes the stream at the deadline, so a stalled agent cannot hold CAD."""
    watchdog = threading.Timer(max(0.0, deadline.remaining()), body.close)
    watchdog.daemon = True
    watchdog.start()
    lines: list[str] = []
    try:
        for raw in body.iter_lines():
            lines.append(raw.decode("utf-8", errors="replace").removeprefix("data: "))
            if deadline.remaining() <= 0:
                break
    # Closing the stream from the watchdog surfaces as whatever urllib3 or http.client
    # raise on a closed socket: the deadline, not the exception type, says what happened.
    except Exception as exc:
        if deadline.remaining() <= 0:
            raise AgentTimeoutError(
                "the agent did not finish its answer in time", system="aws", endpoint=_ENDPOINT
            ) from exc
        raise NetworkError(
            f"the agent's answer stream broke ({type(exc).__name__})",
            system="aws",
            endpoint=_ENDPOINT,
        ) from exc
    finally:
        watchdog.cancel()
        body.close()
    if deadline.remaining() <= 0:
        raise AgentTimeoutError(
            "the agent did not finish its answer in time", system="aws", endpoint=_ENDPOINT
        )
    return "\n".join(lines)


class NotInvokedAgent:
    """Stands in for the agent where it must not be invoked (a dry run): every invocation
    fails, saying why."""

    def __init__(self, config: AiAgentConfig, why: str) -> None:
        self.config = config
        self.why = why

    def invoke(self, *, incident_id: str, payload: bytes) -> AgentAnswer:
        raise CADError(f"the AI agent was not invoked: {self.why}")
