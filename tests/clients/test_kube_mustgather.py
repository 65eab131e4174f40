"""The must-gather client against the sandbox's Kubernetes API: the copy command is allowed on
the write side only, another must-gather is waited for (or given up on, creating nothing),
and the gather's outcomes reach the caller."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cad.clients.exec_policy import MUST_GATHER_COPY, refusal, write_refusal
from cad.clients.factory import Clients
from cad.clients.kube_exec import ExecRefusedError, PodExecutor
from cad.clients.kube_mustgather import (
    GatherFailedError,
    GatherQueueTimeoutError,
    GatherTimeoutError,
    MustGatherClient,
)
from cad.clients.models import RestConfig
from cad.clients.mustgather_plan import GatherPlan
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, KubernetesSpec, WorldSpec

PLAN = GatherPlan(suffix="b2c4d", image="quay.io/openshift/must-gather:4.16")
OTHER = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "openshift-must-gather-zz"}}
OPERATOR = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": {"name": "openshift-must-gather-operator"},
}


class Time:
    """A virtual monotonic clock whose sleep moves it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def seed(sandbox: Sandbox, objects: list[dict[str, Any]], **must_gather: Any) -> None:
    kube = KubernetesSpec.model_validate({"objects": objects, "must_gather": must_gather})
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=kube)]))


def client(clients: Clients, time: Time, **kwargs: Any) -> MustGatherClient:
    return MustGatherClient(
        clients.backplane, sleep=time.sleep, clock=lambda: time.now, poll_s=1.0, **kwargs
    )


def writes(sandbox: Sandbox) -> list[str]:
    return [f"{w['method']} {w['kind']}" for _, w in sandbox.kube_writes()]


def test_the_copy_command_is_allowed_to_the_executor_only() -> None:
    assert write_refusal(MUST_GATHER_COPY) is None
    assert refusal(MUST_GATHER_COPY) == "'tar' is not an allowed read-only command"
    assert write_refusal(["tar", "xf", "-", "-C", "/"]) is not None
    assert write_refusal(["tar", "cf", "-", "-C", "/etc", "."]) is not None
    with pytest.raises(ExecRefusedError):  # the readers' executor refuses it before sending
        PodExecutor(RestConfig(host="https://127.0.0.1:1", token="t")).exec(
            "ns", "pod", list(MUST_GATHER_COPY)
        )


def test_another_must_gather_is_waited_for_then_the_gather_runs(
    sandbox: Sandbox, clients: Clients, tmp_path: Path
) -> None:
    seed(sandbox, [OTHER, OPERATOR], others_finish_after=2)
    time = Time()
    leftovers = client(clients, time, queue_poll_s=60.0).gather(
        "c1", PLAN, tmp_path / "a.tar.gz", wait_for_others=True
    )
    assert leftovers == []
    assert time.slept[:2] == [60.0, 60.0]  # the operator's own namespace is not waited for
    assert (tmp_path / "a.tar.gz").stat().st_size > 0
    assert writes(sandbox)[:4] == [
        "POST Namespace", "POST ServiceAccount", "POST ClusterRoleBinding", "POST Pod",
    ]  # fmt: skip


def test_a_must_gather_that_keeps_running_is_given_up_on_and_nothing_is_created(
    sandbox: Sandbox, clients: Clients, tmp_path: Path
) -> None:
    seed(sandbox, [OTHER])
    time = Time()
    with pytest.raises(GatherQueueTimeoutError, match="openshift-must-gather-zz"):
        client(clients, time, queue_timeout_s=1800.0, queue_poll_s=60.0).gather(
            "c1", PLAN, tmp_path / "a.tar.gz", wait_for_others=True
        )
    assert sum(time.slept) <= 1800.0
    assert writes(sandbox) == []
    assert not (tmp_path / "a.tar.gz").exists()
    assert sandbox.backplane.open_remediations() == []


@pytest.mark.parametrize(
    ("outcome", "error"), [("failed", GatherFailedError), ("hang", GatherTimeoutError)]
)
def test_a_failed_or_hung_gather_raises_after_deleting_what_it_created(
    outcome: str, error: type[Exception], sandbox: Sandbox, clients: Clients, tmp_path: Path
) -> None:
    seed(sandbox, [], outcome=outcome)
    time = Time()
    with pytest.raises(error):
        client(clients, time, gather_timeout_s=10.0).gather("c1", PLAN, tmp_path / "a.tar.gz")
    assert writes(sandbox)[-2:] == ["DELETE ClusterRoleBinding", "DELETE Namespace"]
    assert not list(tmp_path.iterdir())
    assert sandbox.backplane.open_remediations() == []


def test_a_leftover_of_an_interrupted_attempt_is_deleted_before_starting_again(
    sandbox: Sandbox, clients: Clients, tmp_path: Path
) -> None:
    leftover = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": PLAN.namespace}}
    seed(sandbox, [leftover])
    client(clients, Time()).gather("c1", PLAN, tmp_path / "a.tar.gz")
    assert writes(sandbox)[:2] == ["DELETE Namespace", "POST Namespace"]
