"""The sockets ``cadctl`` listens on: bound before anything says it listens, on the address
the settings name (loopback unless told otherwise)."""

from __future__ import annotations

import socket

from prometheus_client import CollectorRegistry, start_http_server

from cad.config.settings import Settings

__all__ = ["bind", "history_warning", "serve_metrics"]


def bind(address: str, port: int) -> socket.socket:
    """A TCP socket listening on ``address:port``; ``OSError`` when the port is taken or the
    address is not this machine's."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    listener.set_inheritable(True)
    return listener


def serve_metrics(address: str, port: int, registry: CollectorRegistry) -> None:
    """Serve ``registry`` on ``http://address:port/metrics`` from a daemon thread."""
    start_http_server(port, addr=address, registry=registry)


def history_warning(settings: Settings) -> str | None:
    """What ``serve`` says at start about who may read the history (``GET /runs``)."""
    if settings.api_token is not None:
        return None
    if settings.listens_on_loopback():
        return (
            "CAD_API_TOKEN is not set: GET /runs serves the history (clusters, incidents) "
            f"to anyone on this machine ({settings.listen_address})"
        )
    return (
        "CAD_API_TOKEN is not set: GET /runs answers 401 to everyone, since CAD listens "
        f"beyond loopback ({settings.listen_address})"
    )
