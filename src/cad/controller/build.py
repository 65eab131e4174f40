"""Building a controller from settings: the composition root, the one place that wires real
clients together and turns the settings into the runtime configuration it passes down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from cad.clients.agentcore import AgentCoreClient
from cad.clients.factory import Clients, build_clients
from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.controller.controller import Controller
from cad.controller.dependencies import Dependencies
from cad.controller.metrics import ControllerMetrics
from cad.controller.runtime import RuntimeConfig
from cad.egress import EgressVerifier, NetworkVerifierCommand, SkippedEgressVerification
from cad.executor import Executor, ExecutorMetrics, InMemoryLedger
from cad.executor.budget import WriteBudget
from cad.executor.ledger import IdempotencyLedger
from cad.investigations.framework.access import BackplaneAccessBroker
from cad.investigations.registry import REGISTRY
from cad.ratelimit import InProcessBuckets, RateBuckets, RateGates
from cad.retry import RetryPolicy

__all__ = ["Built", "build_controller"]


@dataclass
class Built:
    """A controller with what it was built from (close the clients when done)."""

    controller: Controller
    clients: Clients
    executor: Executor
    registry: CollectorRegistry

    def close(self) -> None:
        """Close connections and worker threads."""
        self.executor.close()
        self.clients.close()


def build_controller(
    settings: Settings,
    config: InvestigationConfig,
    *,
    pagerduty: bool,
    dry_run: bool = False,
    egress: EgressVerifier | None = None,
    ledger: IdempotencyLedger | None = None,
    budget: WriteBudget | None = None,
    rate_buckets: RateBuckets | None = None,
    registry: CollectorRegistry | None = None,
    now: Any = None,
    runtime: RuntimeConfig | None = None,
) -> Built:
    """The controller for one process. Dry runs skip egress verification (it launches an
    instance in the customer's account). ``runtime``: instead of the one ``settings`` ask
    for (tests with fast retries). ``rate_buckets``: the shared rate budgets (the store's on
    PostgreSQL), else this process's."""
    runtime = runtime or RuntimeConfig.from_settings(settings)
    registry = registry or CollectorRegistry()
    gates = RateGates(rate_buckets or InProcessBuckets(), runtime.rate_limits, registry=registry)
    clients = build_clients(settings, pagerduty=pagerduty, gates=gates)
    executor = Executor.standard(
        ledger=ledger or InMemoryLedger(),
        metrics=ExecutorMetrics(registry),
        max_workers=runtime.executor_max_workers,
        now=now or (lambda: datetime.now(UTC)),
        budget=budget,
    )
    verifier: EgressVerifier = (
        SkippedEgressVerification(
            "dry run: egress verification launches an instance, so it is skipped"
        )
        if dry_run
        else egress or NetworkVerifierCommand()
    )
    deps = Dependencies(
        ocm=clients.ocm,
        access=BackplaneAccessBroker(
            clients.backplane,
            clients.aws_credentials,
            aws_endpoint_url=settings.aws_endpoint_url,
            cloudtrail_gate=clients.cloudtrail_gate,
        ),
        egress=verifier,
        executor=executor,
        registry=REGISTRY,
        ocm_writer=clients.ocm_writer,
        backplane_writer=clients.backplane_writer,
        sftp_writer=clients.sftp_writer,
        kube_writer=clients.kube_writer,
        pagerduty=clients.pagerduty,
        pagerduty_writer=clients.pagerduty_writer,
        update_graph=clients.update_graph,
        agent=_agent(settings, config, runtime, now or (lambda: datetime.now(UTC))),
        now=now or (lambda: datetime.now(UTC)),
        runtime=runtime,
    )
    controller = Controller(deps, config, ControllerMetrics(registry))
    return Built(controller, clients, executor, registry)


def _agent(
    settings: Settings, config: InvestigationConfig, runtime: RuntimeConfig, now: Any
) -> AgentCoreClient | None:
    """The AI agent of the config's ``ai_agent`` section, if it has one. Its attempts wait
    as an investigation's do; its deadline is the section's ``timeout_seconds``."""
    if config.ai_agent is None:
        return None
    waits = runtime.investigation_retry
    return AgentCoreClient(
        config.ai_agent,
        now=now,
        sts_endpoint_url=settings.aws_endpoint_url,
        agent_endpoint_url=settings.agentcore_endpoint_url,
        base_credentials=settings.agentcore_credentials(),
        retry=RetryPolicy(
            max_attempts=3,
            deadline_s=float(config.ai_agent.timeout_seconds),
            initial_wait_s=waits.initial_wait_s,
            max_wait_s=waits.max_wait_s,
            jitter_s=waits.jitter_s,
        ),
    )
