"""Fixtures for executor tests: fakes sharing a journal, a virtual clock, an executor."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from prometheus_client import CollectorRegistry

from cad.domain import ClusterRef, IncidentRef, InfraStatus
from cad.executor import (
    ExecutionContext,
    Executor,
    ExecutorMetrics,
    InMemoryLedger,
    WriteClients,
)
from cad.testing import FakeBackplane, FakeOcm, FakePagerDuty, Journal, VirtualClock

CLUSTER = ClusterRef(id="c1", external_id="ext-c1", name="my-cluster", product="rosa")
INCIDENT = IncidentRef(id="Q1", title="ClusterHasGoneMissing CRITICAL (1)")


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def ocm(journal: Journal) -> FakeOcm:
    fake = FakeOcm(journal)
    fake.external_ids[CLUSTER.external_id] = CLUSTER.id
    return fake


@pytest.fixture
def pagerduty(journal: Journal) -> FakePagerDuty:
    fake = FakePagerDuty(journal)
    fake.add_incident(INCIDENT.id, INCIDENT.title)
    return fake


@pytest.fixture
def backplane(journal: Journal) -> FakeBackplane:
    return FakeBackplane(journal)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger()


@pytest.fixture
def metrics() -> ExecutorMetrics:
    return ExecutorMetrics(CollectorRegistry())


@pytest.fixture
def executor(
    clock: VirtualClock, ledger: InMemoryLedger, metrics: ExecutorMetrics
) -> Iterator[Executor]:
    with Executor.standard(
        ledger=ledger, metrics=metrics, clock=clock, sleep=clock.sleep
    ) as instance:
        yield instance


ContextFactory = Callable[..., ExecutionContext]


@pytest.fixture
def context(ocm: FakeOcm, pagerduty: FakePagerDuty, backplane: FakeBackplane) -> ContextFactory:
    def make(
        *,
        infra: InfraStatus = InfraStatus.NO,
        incident: IncidentRef | None = INCIDENT,
        cluster: ClusterRef = CLUSTER,
        **kw: object,
    ) -> ExecutionContext:
        return ExecutionContext(
            investigation=str(kw.pop("investigation", "chgm")),
            alert=str(kw.pop("alert", "ClusterHasGoneMissing")),
            cluster=cluster,
            incident=incident,
            clients=WriteClients(ocm=ocm, pagerduty=pagerduty, backplane=backplane),
            infra=infra,
            **kw,  # type: ignore[arg-type]
        )

    return make
