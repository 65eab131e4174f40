"""Pod exec: the real client against the Kubernetes simulator's exec endpoint, over a real
WebSocket through the backplane proxy path."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cad.clients.factory import Clients
from cad.clients.kube import KubeReader
from cad.clients.kube_exec import (
    ExecFailedError,
    ExecOutputLimitError,
    ExecRefusedError,
    ExecTimeoutError,
)
from cad.errors import InvalidRequestError, NotFoundError, ServerError
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, ExecSpec, KubernetesSpec, WorldSpec

HEALTH = ["etcdctl", "endpoint", "health", "--cluster"]
ALERTS = ["wget", "-qO-", "http://localhost:9093/api/v2/alerts?active=true"]


def pod(name: str, namespace: str, *containers: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{"name": c, "image": "i"} for c in containers]},
        "status": {"phase": "Running"},
    }


PODS = [
    pod("etcd-m1", "openshift-etcd", "etcdctl", "etcd"),
    pod("alertmanager-main-0", "openshift-monitoring", "alertmanager"),
]
EXECS = [
    ExecSpec(
        namespace="openshift-etcd",
        pod="etcd-m1",
        container="etcdctl",
        command=HEALTH,
        stdout="https://10.0.0.1:2379 is healthy: successfully committed proposal\n",
        stderr="a warning\n",
    ),
    ExecSpec(
        namespace="openshift-etcd",
        pod="etcd-m1",
        command=["etcdctl", "member", "list"],
        stderr="context deadline exceeded\n",
        exit_code=1,
    ),
    ExecSpec(
        namespace="openshift-monitoring", pod="alertmanager-main-0", command=ALERTS, hang=True
    ),
    ExecSpec(
        namespace="openshift-monitoring",
        pod="alertmanager-main-0",
        command=["wget", "-qO-", "http://localhost:9093/api/v2/status"],
        stdout="x" * 200_000,
    ),
]


def open_reader(sandbox: Sandbox, clients: Clients, kubernetes: KubernetesSpec) -> KubeReader:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=kubernetes)]))
    return KubeReader(clients.backplane.create_remediation("c1", "clusterhealthcheck"))


@pytest.fixture
def kube(sandbox: Sandbox, clients: Clients) -> Iterator[KubeReader]:
    reader = open_reader(sandbox, clients, KubernetesSpec(objects=PODS, exec=EXECS))
    yield reader
    reader.close()


def test_a_read_only_command_returns_its_output_and_exit_code(kube: KubeReader) -> None:
    result = kube.exec("openshift-etcd", "etcd-m1", HEALTH, container="etcdctl")
    assert result.stdout.startswith("https://10.0.0.1:2379 is healthy")
    assert result.stderr == "a warning\n"
    assert result.ok
    assert result.protocol == "v5.channel.k8s.io"


def test_a_non_zero_exit_is_a_result_with_its_code(kube: KubeReader) -> None:
    result = kube.exec("openshift-etcd", "etcd-m1", ["etcdctl", "member", "list"])
    assert (result.exit_code, result.ok) == (1, False)
    assert result.stderr == "context deadline exceeded\n"


def test_a_command_that_never_answers_times_out(kube: KubeReader) -> None:
    started = time.monotonic()
    with pytest.raises(ExecTimeoutError, match=r"no answer within 0.5s"):
        kube.exec("openshift-monitoring", "alertmanager-main-0", ALERTS, timeout_s=0.5)
    assert time.monotonic() - started < 5


def test_output_past_the_limit_is_an_error(kube: KubeReader) -> None:
    command = ["wget", "-qO-", "http://localhost:9093/api/v2/status"]
    with pytest.raises(ExecOutputLimitError, match="more than 100000 bytes"):
        kube.exec("openshift-monitoring", "alertmanager-main-0", command, limit_bytes=100_000)
    assert len(kube.exec("openshift-monitoring", "alertmanager-main-0", command).stdout) == 200_000


def test_a_pod_that_does_not_exist_is_not_found(kube: KubeReader) -> None:
    with pytest.raises(NotFoundError, match='pods "etcd-gone" not found'):
        kube.exec("openshift-etcd", "etcd-gone", HEALTH)


def test_a_container_the_pod_does_not_have_is_a_bad_request(kube: KubeReader) -> None:
    with pytest.raises(InvalidRequestError, match="container nope is not valid"):
        kube.exec("openshift-etcd", "etcd-m1", HEALTH, container="nope")


@pytest.mark.parametrize(
    "command",
    [
        ["rm", "-rf", "/var/lib/etcd"],
        ["etcdctl", "del", "/registry"],
        ["etcdctl", "endpoint", "health", "--cluster", "&&", "reboot"],
        ["curl", "-X", "POST", "http://localhost:9093/api/v2/silences"],
        ["curl", "-d", "{}", "http://localhost:9093/api/v2/silences"],
        ["wget", "--post-data=x", "http://localhost:9093/"],
        ["sh", "-c", "kill 1"],
        [],
    ],
)
def test_a_command_that_is_not_read_only_is_refused_before_anything_is_sent(
    sandbox: Sandbox, kube: KubeReader, command: list[str]
) -> None:
    world = sandbox.backplane.kube["c1"]
    with pytest.raises(ExecRefusedError):
        kube.exec("openshift-etcd", "etcd-m1", command)
    assert world.exec_requests == []


def test_a_command_the_world_has_no_answer_for_fails_with_the_servers_message(
    kube: KubeReader,
) -> None:
    with pytest.raises(ExecFailedError, match="no answer for this command"):
        kube.exec("openshift-etcd", "etcd-m1", ["etcdctl", "endpoint", "status"])


def test_a_server_that_speaks_only_v4_is_answered_in_v4(sandbox: Sandbox, clients: Clients) -> None:
    spec = KubernetesSpec(objects=PODS, exec=EXECS, exec_protocols=["v4.channel.k8s.io"])
    reader = open_reader(sandbox, clients, spec)
    try:
        result = reader.exec("openshift-etcd", "etcd-m1", HEALTH, container="etcdctl")
    finally:
        reader.close()
    assert result.protocol == "v4.channel.k8s.io"
    assert "is healthy" in result.stdout


def test_the_command_and_container_reach_the_server_as_given(
    sandbox: Sandbox, kube: KubeReader
) -> None:
    kube.exec("openshift-etcd", "etcd-m1", HEALTH, container="etcdctl")
    [request] = sandbox.backplane.kube["c1"].exec_requests
    assert request == {
        "namespace": "openshift-etcd",
        "pod": "etcd-m1",
        "container": "etcdctl",
        "command": HEALTH,
    }


def test_the_bearer_token_never_reaches_the_logs_even_at_debug_level(
    kube: KubeReader, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        kube.exec("openshift-etcd", "etcd-m1", HEALTH, container="etcdctl")
    assert "Bearer" not in caplog.text
    assert "authorization" not in caplog.text.lower()


def test_an_injected_fault_refuses_the_upgrade_with_its_status(
    sandbox: Sandbox, kube: KubeReader
) -> None:
    sandbox.inject(
        "kubernetes",
        method="GET",
        path="/api/v1/namespaces/openshift-etcd/pods/*/exec",
        status=503,
        times=1,
    )
    with pytest.raises(ServerError, match="HTTP 503"):
        kube.exec("openshift-etcd", "etcd-m1", HEALTH)
    assert kube.exec("openshift-etcd", "etcd-m1", HEALTH).ok
