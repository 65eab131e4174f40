"""Suite-wide guards (no test reaches beyond 127.0.0.1, no real AWS credentials) and the one
sandbox every test shares: its simulators start once per session, and each test that asks for
``sandbox`` finds them empty."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from cad.simulators.sandbox import Sandbox

_LOOPBACK = ("127.", "::1", "localhost")
_original_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(_LOOPBACK):
        raise ConnectionRefusedError(f"tests may only connect to 127.0.0.1, not {host}")
    return _original_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _only_loopback() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _original_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _no_real_aws() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    patch.delenv("AWS_PROFILE", raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def running_sandbox() -> Iterator[Sandbox]:
    """The simulators, started once for the session (for fixtures wider than one test; a test
    asks for ``sandbox``)."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(running_sandbox: Sandbox) -> Sandbox:
    """The session's simulators, emptied for this test: no cluster, incident, write or fault
    of another test, and the clock back on real time."""
    running_sandbox.reset()
    return running_sandbox
