"""OCM client against the OCM simulator, over real sockets."""

from __future__ import annotations

import pytest

from cad.clients.factory import Clients, build_clients
from cad.clients.ocm.client import (
    AmbiguousClusterError,
    ClusterNotFoundError,
    OcmConnection,
    OcmReader,
    TokenSource,
)
from cad.errors import (
    AuthenticationError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from cad.simulators.ocm import TOKEN_PATH
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import (
    ClusterSpec,
    LimitedSupportSpec,
    MachinePoolSpec,
    OwnerSpec,
    RegistryCredentialSpec,
    ServiceLogSpec,
    WorldSpec,
)

from .conftest import CLUSTER_ID


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cluster_is_found_by_internal_id_external_id_or_name(
    seeded: Sandbox, clients: Clients
) -> None:
    for identifier in (CLUSTER_ID, "4e3c1c24-0000-4000-8000-000000000001", "my-cluster"):
        found = clients.ocm.find_cluster(identifier)
        assert found.id == CLUSTER_ID
        assert found.product == "rosa"
        assert found.state == "ready"
        assert found.aws


def test_an_unknown_or_ambiguous_identifier_is_a_clear_error(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.seed(
        WorldSpec(clusters=[ClusterSpec(id="a1", name="twin"), ClusterSpec(id="b2", name="twin")])
    )
    with pytest.raises(
        ClusterNotFoundError, match="no cluster has the id, external id or name 'nope'"
    ):
        clients.ocm.find_cluster("nope")
    with pytest.raises(AmbiguousClusterError, match="2 clusters match 'twin'"):
        clients.ocm.find_cluster("twin")


def test_search_values_are_quoted_so_they_cannot_change_the_query(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="q1", name="it's-mine"), ClusterSpec(id="q2")]))
    assert clients.ocm.find_cluster("it's-mine").id == "q1"
    with pytest.raises(ClusterNotFoundError):
        clients.ocm.find_cluster("x' or id like '%")


def test_live_resources_machine_pools_hypershift_and_access_protection(
    sandbox: Sandbox, clients: Clients
) -> None:
    spec = ClusterSpec(
        id="c1",
        name="pools",
        machine_pools=[
            MachinePoolSpec(id="worker", replicas=3),
            MachinePoolSpec(id="auto", autoscaling={"min": 2, "max": 5}),
        ],
        access_protection=True,
    )
    sandbox.seed(WorldSpec(clusters=[spec]))
    assert clients.ocm.get_cluster_deployment("c1").infra_id == "pools-x7k2p"
    pools = {p.id: p for p in clients.ocm.list_machine_pools("c1")}
    assert pools["worker"].replicas == 3
    assert (pools["auto"].min_replicas, pools["auto"].max_replicas) == (2, 5)
    assert clients.ocm.get_hypershift("c1").hcp_namespace == "ocm-production-c1-pools"
    assert clients.ocm.is_access_protected("c1") is True


def test_infrastructure_cluster_labels_are_read_and_a_failing_lookup_is_an_error(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.seed(
        WorldSpec(
            clusters=[
                ClusterSpec(id="mc", infra_cluster=True),
                ClusterSpec(id="cc", infra_cluster=False),
                ClusterSpec(id="uu", infra_cluster="unknown"),
            ]
        )
    )
    assert clients.ocm.is_infrastructure_cluster("mc") is True
    assert clients.ocm.is_infrastructure_cluster("cc") is False
    with pytest.raises(ServerError):
        clients.ocm.is_infrastructure_cluster("uu")


def test_limited_support_reasons_are_listed_posted_and_deleted(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.seed(
        WorldSpec(
            clusters=[
                ClusterSpec(
                    id="c1",
                    limited_support_reasons=[LimitedSupportSpec(summary="old", details="d")],
                )
            ]
        )
    )
    clients.ocm_writer.post_limited_support_reason("c1", summary="new", details="details")
    reasons = clients.ocm.list_limited_support_reasons("c1")
    assert [r.summary for r in reasons] == ["old", "new"]
    clients.ocm_writer.delete_limited_support_reason("c1", reasons[0].id)
    assert [r.summary for r in clients.ocm.list_limited_support_reasons("c1")] == ["new"]
    [posted] = sandbox.ocm.writes.matching("POST", "limited_support_reasons")
    assert posted.body == {"summary": "new", "details": "details", "detection_type": "manual"}


def test_service_logs_are_posted_by_internal_id_and_listed_by_external_id_all_pages(
    sandbox: Sandbox, clients: Clients
) -> None:
    logs = [ServiceLogSpec(summary=f"log {i}", timestamp=f"-{i + 1}m") for i in range(230)]
    spec = ClusterSpec(id="c1", external_id="ext-1", service_logs=logs)
    sandbox.seed(WorldSpec(clusters=[spec]))
    clients.ocm_writer.post_service_log(
        "c1",
        severity="Major",
        service_name="SREManualAction",
        summary="Action required",
        description="d",
        internal_only=False,
    )
    assert len(clients.ocm.list_service_logs("ext-1")) == 231
    found = clients.ocm.list_service_logs("ext-1", search="summary = 'Action required'")
    assert [(e.summary, e.severity, e.description) for e in found] == [
        ("Action required", "Major", "d")
    ]
    assert found[0].timestamp is not None


def test_subscription_and_owner_account(sandbox: Sandbox, clients: Clients) -> None:
    owner = OwnerSpec(
        id="acc-1", email="o@example.com", banned=True, ban_code="export_control_compliance"
    )
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", organization_id="org-9", owner=owner)]))
    cluster = clients.ocm.get_cluster("c1")
    subscription = clients.ocm.get_subscription(cluster.subscription_id)
    assert (subscription.organization_id, subscription.status, subscription.creator_id) == (
        "org-9",
        "Active",
        "acc-1",
    )
    account = clients.ocm.get_account("acc-1")
    assert account.banned
    assert account.ban_code == "export_control_compliance"


def test_the_owners_registry_credentials_and_their_registries(
    sandbox: Sandbox, clients: Clients
) -> None:
    # Given two owners, one with credentials for two registries
    owner = OwnerSpec(
        id="acc-1",
        registry_credentials=[
            RegistryCredentialSpec(registry="quay.io", username="u1", token="t1"),
            RegistryCredentialSpec(registry="registry.redhat.io", username="u2", token="t2"),
        ],
    )
    other = OwnerSpec(
        id="acc-2", registry_credentials=[RegistryCredentialSpec(registry="quay.io", token="x")]
    )
    sandbox.seed(
        WorldSpec(clusters=[ClusterSpec(id="c1", owner=owner), ClusterSpec(id="c2", owner=other)])
    )
    # When the first owner's credentials are listed
    credentials = clients.ocm.list_registry_credentials("acc-1")
    # Then only theirs come back, each naming its registry, whose name is the host
    assert [(c.registry_id, c.username, c.token, c.account_id) for c in credentials] == [
        ("registry-quay-io", "u1", "t1", "acc-1"),
        ("registry-registry-redhat-io", "u2", "t2", "acc-1"),
    ]
    assert clients.ocm.get_registry("registry-registry-redhat-io").name == "registry.redhat.io"
    assert "t1" not in repr(credentials[0])
    # And an owner without credentials has none; an unknown registry is not found
    assert clients.ocm.list_registry_credentials("acc-3") == []
    with pytest.raises(NotFoundError):
        clients.ocm.get_registry("registry-nowhere")


def test_tokens_are_cached_and_refreshed_before_they_expire(sandbox: Sandbox) -> None:
    clock = FakeClock()
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1")]))
    tokens = TokenSource(
        sandbox.ocm_url + TOKEN_PATH, sandbox.ocm.client_id, sandbox.ocm.client_secret, clock=clock
    )
    reader = OcmReader(OcmConnection(sandbox.ocm_url, tokens))
    reader.get_cluster("c1")
    reader.get_cluster("c1")
    assert tokens.fetches == 1
    clock.now += 900 - 59  # within a minute of expiry
    reader.get_cluster("c1")
    assert tokens.fetches == 2
    reader.conn.close()
    tokens.close()


def test_a_token_the_server_no_longer_accepts_is_replaced_once(
    sandbox: Sandbox, clients: Clients
) -> None:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1")]))
    clients.ocm.get_cluster("c1")
    sandbox.ocm.tokens.expire_all()
    assert clients.ocm.get_cluster("c1").id == "c1"
    assert clients.tokens.fetches == 2


def test_rejected_client_credentials_are_an_authentication_error_without_the_secret(
    sandbox: Sandbox,
) -> None:
    settings = sandbox.settings(ocm_client_secret="wrong-secret-value")
    clients = build_clients(settings)
    with pytest.raises(AuthenticationError) as caught:
        clients.ocm.get_cluster("c1")
    clients.close()
    assert "wrong-secret-value" not in str(caught.value)
    assert "rejected the OCM client id or secret" in str(caught.value)


def test_not_found_carries_the_endpoint_and_the_servers_identifiers(
    seeded: Sandbox, clients: Clients
) -> None:
    with pytest.raises(NotFoundError) as caught:
        clients.ocm.get_cluster("missing")
    error = caught.value
    assert error.endpoint == "GET /api/clusters_mgmt/v1/clusters/missing"
    assert error.code == "CLUSTERS-MGMT-404"
    assert error.operation_id
    assert error.status == 404


def test_injected_faults_surface_as_the_right_error_types(
    seeded: Sandbox, clients: Clients
) -> None:
    path = f"/api/clusters_mgmt/v1/clusters/{CLUSTER_ID}"
    seeded.inject("ocm", method="GET", path=path, status=503, times=1)
    with pytest.raises(ServerError):
        clients.ocm.get_cluster(CLUSTER_ID)
    seeded.inject("ocm", method="GET", path=path, status=429, retry_after=3, times=1)
    with pytest.raises(RateLimitedError) as limited:
        clients.ocm.get_cluster(CLUSTER_ID)
    assert limited.value.retry_after == 3.0
    seeded.inject("ocm", method="GET", path=path, drop=True, times=1)
    with pytest.raises(NetworkError):
        clients.ocm.get_cluster(CLUSTER_ID)
    assert clients.ocm.get_cluster(CLUSTER_ID).id == CLUSTER_ID


def test_a_hanging_server_is_a_network_error_when_the_client_times_out(seeded: Sandbox) -> None:
    tokens = TokenSource(
        seeded.ocm_url + TOKEN_PATH, seeded.ocm.client_id, seeded.ocm.client_secret
    )
    reader = OcmReader(OcmConnection(seeded.ocm_url, tokens, timeout_s=0.3))
    seeded.inject("ocm", method="GET", path="/api/clusters_mgmt/v1/clusters/*", hang=True, times=1)
    with pytest.raises(NetworkError, match="timed out"):
        reader.get_cluster(CLUSTER_ID)
    reader.conn.close()
    tokens.close()


@pytest.mark.parametrize(
    "body",
    ["not json at all", '{"kind": "Cluster"}', '{"id": 42}', "[1, 2]"],
    ids=["not-json", "missing-id", "wrong-type", "not-an-object"],
)
def test_malformed_answers_are_typed_errors_naming_the_endpoint(
    seeded: Sandbox, clients: Clients, body: str
) -> None:
    seeded.inject(
        "ocm", method="GET", path=f"/api/clusters_mgmt/v1/clusters/{CLUSTER_ID}", body=body, times=1
    )
    with pytest.raises(MalformedResponseError) as caught:
        clients.ocm.get_cluster(CLUSTER_ID)
    assert caught.value.endpoint == f"GET /api/clusters_mgmt/v1/clusters/{CLUSTER_ID}"


def test_a_malformed_list_envelope_is_a_typed_error(seeded: Sandbox, clients: Clients) -> None:
    seeded.inject(
        "ocm", method="GET", path="*/limited_support_reasons", body='{"items": "x"}', times=1
    )
    with pytest.raises(MalformedResponseError, match="list envelope"):
        clients.ocm.list_limited_support_reasons(CLUSTER_ID)
