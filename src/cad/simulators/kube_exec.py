"""The exec subresource of the Kubernetes simulator: the WebSocket channel protocol
(``v5.channel.k8s.io``, ``v4.channel.k8s.io``), answered from the world's ``exec`` entries.

Like the API server, it refuses before the upgrade (a plain HTTP answer with a Status body)
when the pod does not exist or the container is not one of the pod's; after the upgrade it
sends stdout on channel 1, stderr on channel 2, then the command's ``metav1.Status`` on
channel 3, and closes. A ``hang`` entry sends nothing and waits for the client to leave. Frames
the client sends (v5's close signal on channel 255 among them) are read and ignored.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from cad.simulators.kube import KubeWorld, status

__all__ = ["exec_status", "serve_exec"]

_CHUNK = 32 * 1024


def exec_status(exit_code: int) -> dict[str, Any]:
    """The ``metav1.Status`` the API server sends on channel 3 for an exit code."""
    if exit_code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: exit status {exit_code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(exit_code)}]},
    }


def _no_answer() -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": "the simulated world has no answer for this command in this container",
        "reason": "InternalError",
        "code": 500,
    }


async def _deny(websocket: WebSocket, code: int, reason: str, message: str) -> None:
    await websocket.send_denial_response(
        JSONResponse(status(code, reason, message), status_code=code)
    )


def _container(pod: dict[str, Any], wanted: str) -> tuple[str | None, str]:
    names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    if not wanted:
        return (names[0] if names else ""), ""
    if names and wanted not in names:
        name = pod["metadata"]["name"]
        return None, f"container {wanted} is not valid for pod {name}"
    return wanted, ""


async def _drain_until_gone(websocket: WebSocket) -> None:
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
    except WebSocketDisconnect:
        return


async def serve_exec(websocket: WebSocket, world: KubeWorld, namespace: str, pod: str) -> None:
    """Answer one exec request on ``websocket`` (not yet accepted) from ``world``."""
    params = websocket.query_params
    command = params.getlist("command")
    found = world.find_pod(namespace, pod)
    if found is None:
        await _deny(websocket, 404, "NotFound", f'pods "{pod}" not found')
        return
    container, problem = _container(found, params.get("container", ""))
    if container is None:
        await _deny(websocket, 400, "BadRequest", problem)
        return
    offered = [p.strip() for p in websocket.headers.get("sec-websocket-protocol", "").split(",")]
    protocol = next((p for p in offered if p in world.protocols), None)
    if protocol is None:
        await _deny(websocket, 400, "BadRequest", "no supported channel protocol was offered")
        return
    answer = world.exec_answer(namespace, pod, container, command)
    await websocket.accept(subprotocol=protocol)
    try:
        if answer is not None and answer.get("hang"):
            await _drain_until_gone(websocket)
            return
        if answer is None:
            await websocket.send_bytes(bytes([3]) + json.dumps(_no_answer()).encode())
        else:
            stdout = answer.get("stdout_bytes") or answer.get("stdout", "").encode()
            for channel, data in ((1, stdout), (2, answer.get("stderr", "").encode())):
                for start in range(0, len(data), _CHUNK):
                    await websocket.send_bytes(bytes([channel]) + data[start : start + _CHUNK])
            result = exec_status(int(answer.get("exit_code", 0)))
            await websocket.send_bytes(bytes([3]) + json.dumps(result).encode())
        await websocket.close(code=1000)
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the client left early (a limit reached, a timeout)
