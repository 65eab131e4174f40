"""The receiver's access log (``CAD_ACCESS_LOG``, off by default): one structured line per
HTTP request, written when its answer has been sent.

A line (``request``) holds the method, the path (never the query string: filters may name
customers' clusters, and nothing of the request's headers or body), the status, the answer's
size, the time taken and the client's address. Deliveries have their own line too (see
:mod:`cad.webhook.app`).
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog"]

log = structlog.get_logger("cad.access")


class AccessLog:
    """ASGI middleware: logs every HTTP request once it is answered (or fails)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        answer: dict[str, Any] = {"status": 500, "bytes": 0}

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            client = scope.get("client")
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=answer["status"],
                bytes=answer["bytes"],
                duration_ms=round((time.monotonic() - started) * 1000, 1),
                client=client[0] if client else None,
            )
