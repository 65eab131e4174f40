"""A cluster and the real clients for the client contract tests (the sandbox is the suite's:
tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cad.clients.factory import Clients, build_clients
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, WorldSpec

CLUSTER_ID = "2abcdefghijklmnopqrstuvwxyz01234"


@pytest.fixture
def cluster() -> ClusterSpec:
    return ClusterSpec(
        id=CLUSTER_ID, name="my-cluster", external_id="4e3c1c24-0000-4000-8000-000000000001"
    )


@pytest.fixture
def seeded(sandbox: Sandbox, cluster: ClusterSpec) -> Sandbox:
    sandbox.seed(WorldSpec(clusters=[cluster]))
    return sandbox


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Clients]:
    built = build_clients(sandbox.settings())
    yield built
    built.close()
