"""The AI agent simulator: AWS Bedrock AgentCore's ``InvokeAgentRuntime`` as botocore's
service model (``bedrock-agentcore`` 2024-02-28) describes it, so that boto3's real client
talks to it.

``POST /runtimes/{agentRuntimeArn}/invocations`` (the ARN percent-encoded), the payload as
the body, headers ``X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`` (at least 33 characters)
and ``X-Amzn-Bedrock-AgentCore-Runtime-User-Id``; SigV4-signed by credentials that STS (moto,
in the sandbox) issued for an assumed role. The answer streams as server-sent events
(``data: <line>``), ``Content-Type: text/event-stream``. Errors are rest-json: the status,
``x-amzn-ErrorType`` and ``{"message": ...}`` (``AccessDeniedException`` 403,
``ValidationException`` 400, ``ThrottlingException`` 429, ``InternalServerException`` 500,
...). Faults match the path ``/runtimes/*``.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from cad.simulators.faults import FaultBook, FaultMiddleware
from cad.simulators.world import AgentSpec

__all__ = ["ERROR_TYPES", "AgentCoreSimulator", "Identity"]

Identity = Callable[[str], tuple[str, str] | None]
"""An access key id to the role ARN and session name it was issued for (``None``: unknown)."""

ERROR_TYPES = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "RetryableConflictException",
    424: "RuntimeClientError",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_SESSION_HEADER = "x-amzn-bedrock-agentcore-runtime-session-id"
_USER_HEADER = "x-amzn-bedrock-agentcore-runtime-user-id"


def _error(status: int, message: str) -> JSONResponse:
    kind = ERROR_TYPES.get(status, "InternalServerException")
    return JSONResponse(
        {"message": message}, status_code=status, headers={"x-amzn-ErrorType": kind}
    )


class AgentCoreSimulator:
    """State (``spec``, ``invocations``) and app. ``identify`` tells which assumed role an
    access key belongs to (the sandbox asks moto's STS)."""

    def __init__(self, identify: Identity, *, stall_s: float = 60.0) -> None:
        self.identify = identify
        self.stall_s = stall_s
        self.faults = FaultBook()
        self._lock = threading.Lock()
        self.spec = AgentSpec()
        self.invocations: list[dict[str, Any]] = []
        self.app = FaultMiddleware(
            self._build(),
            self.faults,
            lambda status, message: (
                {"message": message},
                {"x-amzn-ErrorType": ERROR_TYPES.get(status, "InternalServerException")},
            ),
        )

    def load(self, spec: AgentSpec) -> None:
        """Answer as ``spec`` says from now on."""
        with self._lock:
            self.spec = spec

    def reset(self) -> None:
        """Forget the spec, the invocations and the faults."""
        with self._lock:
            self.spec, self.invocations = AgentSpec(), []
        self.faults.clear()

    def answer_lines(self, request: dict[str, Any]) -> list[str]:
        """The lines the agent streams for a request (its payload parsed)."""
        spec = self.spec
        if spec.raw is not None:
            return spec.raw.split("\n")
        result = {
            "investigation_id": request.get("investigation_id", ""),
            "cluster_id": request.get("cluster_id", ""),
            "alert_name": request.get("alert_name", ""),
            "timestamp": "2026-01-01T00:00:00Z",
            "duration_seconds": 42.0,
            "summary": "The simulated agent found nothing unusual.",
            "confidence": "low",
            "reasoning": "No evidence was gathered: this is the sandbox's agent.",
            "evidence": "None.",
            "remediation_steps": [],
            "needs_escalation": True,
            "escalation_reason": "A human should look.",
            **(spec.answer or {}),
        }
        if spec.double_encoded:
            return [json.dumps(json.dumps(result))]
        return json.dumps(result, indent=2).split("\n")

    def _build(self) -> FastAPI:
        app = FastAPI(openapi_url=None)
        sim = self

        @app.post("/runtimes/{runtime_arn:path}/invocations")
        async def invoke(runtime_arn: str, request: Request) -> Response:
            key = _CREDENTIAL.search(request.headers.get("authorization", ""))
            identity = sim.identify(key.group(1)) if key else None
            if identity is None or not request.headers.get("x-amz-security-token"):
                return _error(403, "The request was not signed by an assumed role's credentials")
            spec = sim.spec
            if spec.invoker_role_arn is not None and identity[0] != spec.invoker_role_arn:
                return _error(403, f"{identity[0]} is not allowed to invoke {runtime_arn}")
            session = request.headers.get(_SESSION_HEADER, "")
            if len(session) < 33:
                return _error(400, "runtimeSessionId must be at least 33 characters long")
            body = await request.body()
            try:
                payload = json.loads(body)
            except ValueError:
                payload = {}
            with sim._lock:
                sim.invocations.append(
                    {
                        "runtime_arn": runtime_arn,
                        "session_id": session,
                        "user_id": request.headers.get(_USER_HEADER, ""),
                        "role_arn": identity[0],
                        "role_session_name": identity[1],
                        "accept": request.headers.get("accept", ""),
                        "payload": payload,
                    }
                )
            lines = sim.answer_lines(payload if isinstance(payload, dict) else {})
            return StreamingResponse(
                sim._stream(lines, spec),
                media_type="text/event-stream",
                headers={"X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": session},
            )

        return app

    async def _stream(self, lines: list[str], spec: AgentSpec) -> AsyncIterator[bytes]:
        for number, line in enumerate(lines):
            if spec.stall_after_lines is not None and number >= spec.stall_after_lines:
                await asyncio.sleep(self.stall_s)
                return
            if spec.line_delay_ms:
                await asyncio.sleep(spec.line_delay_ms / 1000)
            yield f"data: {line}\n\n".encode()
