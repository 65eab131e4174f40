"""Writes that land after the client gave up: the executor waits, probes, and never applies
them twice. Real clients over real sockets against the simulators, which commit a write
after the client's timeout (``process_after_ms``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cad.actions import Action, escalate, limited_support, note, service_log
from cad.clients.ocm.auth import TokenSource
from cad.clients.ocm.client import OcmConnection, OcmWriteClient
from cad.clients.pagerduty import PagerDutyConnection, PagerDutyWriteClient
from cad.domain import ClusterRef, IncidentRef
from cad.errors import OutcomeUnknownError
from cad.executor import (
    ExecutionContext,
    ExecutionOptions,
    Executor,
    InMemoryLedger,
    Outcome,
    RetryPolicy,
    WriteClients,
)
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, WorldSpec
from cad.testing import FakeOcm, FakePagerDuty, VirtualClock, without_marker

CLUSTER = ClusterSpec(
    id="2abcdefghijklmnopqrstuvwxyz01234",
    name="my-cluster",
    external_id="4e3c1c24-0000-4000-8000-000000000001",
)
REF = ClusterRef(id=CLUSTER.id, external_id=CLUSTER.resolved_external_id(), name="my-cluster")
INCIDENT = IncidentRef(id="Q1", title="ClusterHasGoneMissing CRITICAL (1)")
# The client gives up after 1 s; the simulator commits 1.5 s after that. A retry after the
# usual backoff (0.5 s to 1 s) probes before the commit; the settle wait (5 s: room for a
# busy machine, where the simulator's commit comes late) after it.
CLIENT_TIMEOUT_S = 1.0
COMMIT_AFTER_MS = 2500
POLICY = RetryPolicy(unknown_outcome_wait_s=5.0)


@pytest.fixture
def sandbox(sandbox: Sandbox) -> Sandbox:
    """The suite's sandbox (emptied) with this module's cluster and incident."""
    sandbox.seed(WorldSpec(clusters=[CLUSTER]))
    sandbox.create_incident(INCIDENT.id, INCIDENT.title)
    return sandbox


@pytest.fixture
def context(sandbox: Sandbox) -> Iterator[ExecutionContext]:
    settings = sandbox.settings()
    assert settings.ocm_client_id
    assert settings.ocm_client_secret
    assert settings.pd_token
    tokens = TokenSource(
        settings.ocm_token_url,
        settings.ocm_client_id,
        settings.ocm_client_secret.get_secret_value(),
    )
    ocm = OcmConnection(settings.ocm_url, tokens, timeout_s=CLIENT_TIMEOUT_S)
    pd = PagerDutyConnection(
        settings.pd_token.get_secret_value(),
        base_url=settings.pd_url,
        from_email=settings.pd_from,
        verify=settings.pd_ca_bundle or True,
        timeout_s=CLIENT_TIMEOUT_S,
    )
    yield ExecutionContext(
        investigation="chgm",
        cluster=REF,
        incident=INCIDENT,
        clients=WriteClients(
            ocm=OcmWriteClient(ocm),
            pagerduty=PagerDutyWriteClient(pd, silent_policy_id="PSILENT"),
        ),
    )
    tokens.close()
    ocm.close()
    pd.close()


Count = Callable[[Sandbox], int]


@pytest.mark.parametrize(
    ("action", "path", "count"),
    [
        (
            limited_support("Customer stopped instances", "details"),
            "*/limited_support_reasons",
            lambda sandbox: len(sandbox.ocm.limited_support_reasons(CLUSTER.id)),
        ),
        (
            service_log("Major", "Action required", "description"),
            "*/cluster_logs",
            lambda sandbox: len(sandbox.ocm.service_logs_posted(CLUSTER.id)),
        ),
    ],
    ids=["limited_support", "service_log"],
)
def test_an_ocm_write_committed_after_the_client_timed_out_is_applied_once(
    sandbox: Sandbox, context: ExecutionContext, action: Action, path: str, count: Count
) -> None:
    # Given OCM commits the first write 1.5 s after the client has given up on it
    sandbox.ocm.faults.add(method="POST", path=path, process_after_ms=COMMIT_AFTER_MS, times=1)
    # When the executor applies the action
    with Executor.standard(ledger=InMemoryLedger()) as executor:
        report = executor.execute([action], context, ExecutionOptions(retry=POLICY))
    # Then the write is on the cluster once: the second attempt's probe found the late one
    assert count(sandbox) == 1
    record = report.records[0]
    assert (record.outcome, record.attempts) == (Outcome.SKIPPED, 2)
    assert "already" in (record.reason or "")


def test_a_note_committed_after_the_client_timed_out_is_posted_once(
    sandbox: Sandbox, context: ExecutionContext
) -> None:
    # Given PagerDuty stores the first note 1.5 s after the client has given up on it
    sandbox.pagerduty.faults.add(
        method="POST", path="/incidents/*/notes", process_after_ms=COMMIT_AFTER_MS, times=1
    )
    # When the executor posts a note
    with Executor.standard(ledger=InMemoryLedger()) as executor:
        report = executor.execute([note("Findings.")], context, ExecutionOptions(retry=POLICY))
    # Then the incident has it once, and the executor knows it landed
    notes = sandbox.pagerduty.incident(INCIDENT.id).notes
    assert [without_marker(n["content"]) for n in notes] == ["Findings."]
    assert report.records[0].outcome is Outcome.SKIPPED
    assert "already on the incident" in (report.records[0].reason or "")


def timed_out(system: str) -> OutcomeUnknownError:
    return OutcomeUnknownError("timed out waiting for the answer", system=system, endpoint="X /")


def test_after_a_timeout_a_write_that_is_not_idempotent_waits_the_settle_time_first() -> None:
    # Given OCM times out once on a limited support, and a virtual clock
    clock = VirtualClock()
    ocm = FakeOcm()
    ocm.fail("post_limited_support_reason", timed_out("ocm"))
    ctx = ExecutionContext(investigation="chgm", cluster=REF, clients=WriteClients(ocm=ocm))
    # When the executor applies it
    with Executor(clock=clock, sleep=clock.sleep) as executor:
        report = executor.execute([limited_support("LS", "d")], ctx, ExecutionOptions())
    # Then it waited the settle time (10 s) before it probed and applied again
    assert report.records[0].outcome is Outcome.SUCCEEDED
    assert clock.sleeps == [RetryPolicy().unknown_outcome_wait_s]
    assert [c.method for c in ocm.journal.calls] == [
        "list_limited_support_reasons",
        "post_limited_support_reason",
        "list_limited_support_reasons",
        "post_limited_support_reason",
    ]


def test_after_a_timeout_an_idempotent_action_retries_after_the_usual_backoff() -> None:
    clock = VirtualClock()
    pagerduty = FakePagerDuty()
    pagerduty.add_incident(INCIDENT.id, INCIDENT.title)
    pagerduty.fail("escalate", timed_out("pagerduty"))
    ctx = ExecutionContext(
        investigation="chgm", incident=INCIDENT, clients=WriteClients(pagerduty=pagerduty)
    )
    with Executor(clock=clock, sleep=clock.sleep) as executor:
        report = executor.execute([note("n"), escalate("e")], ctx, ExecutionOptions())
    assert report.records[1].outcome is Outcome.SUCCEEDED
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] < 1.0
