"""A controller wired with the real clients (fast retries) to the suite's sandbox
(tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cad.config.investigation_config import InvestigationConfig, load_default_config, parse_config
from cad.controller.build import Built, build_controller
from cad.controller.runtime import RuntimeConfig
from cad.investigations.registry import REGISTRY
from cad.retry import RetryPolicy, set_testing
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier
from cad.simulators.world import ClusterSpec, WorldSpec

CLUSTER_ID = "2abcdefghijklmnopqrstuvwxyz01234"
NOW = "2026-11-29T10:00:00Z"


BuildController = Callable[..., Built]

FAST = RuntimeConfig(
    action_retry=RetryPolicy(
        max_attempts=3, deadline_s=10, initial_wait_s=0.01, max_wait_s=0.05, jitter_s=0
    ),
    investigation_retry=RetryPolicy(
        max_attempts=2, deadline_s=5, initial_wait_s=0.01, max_wait_s=0.01, jitter_s=0.01
    ),
)
"""Few attempts, short deadlines (the waits themselves are turned off)."""


@pytest.fixture
def no_waiting() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


@pytest.fixture
def controller_for(sandbox: Sandbox, no_waiting: None) -> Iterator[BuildController]:
    built: list[Built] = []

    def make(
        *,
        config: InvestigationConfig | str | None = None,
        dry_run: bool = False,
        pagerduty: bool = True,
        runtime: RuntimeConfig = FAST,
    ) -> Built:
        if isinstance(config, str):
            config = parse_config(config, "test.yaml", known=REGISTRY.names())
        result = build_controller(
            sandbox.settings(),
            config or load_default_config(known=REGISTRY.names()),
            pagerduty=pagerduty,
            dry_run=dry_run,
            egress=SandboxEgressVerifier(sandbox),
            now=sandbox.clock.now,
            runtime=runtime,
        )
        built.append(result)
        return result

    yield make
    for item in built:
        item.close()


def seed(sandbox: Sandbox, **cluster: object) -> None:
    spec = {"id": CLUSTER_ID, "name": "my-cluster", **cluster}
    sandbox.seed(WorldSpec.model_validate({"now": NOW, "clusters": [spec]}))


def incident(
    sandbox: Sandbox,
    title: str = "ClusterHasGoneMissing CRITICAL (1)",
    alerts: list[dict[str, str]] | None = None,
) -> str:
    sandbox.create_incident(
        "Q1", title, alerts=alerts if alerts is not None else [{"cluster_id": CLUSTER_ID}]
    )
    return "Q1"


__all__ = ["CLUSTER_ID", "BuildController", "ClusterSpec", "incident", "seed"]
