"""The simulators still produce the shapes of external-apis.md (documents kept as fixtures):
every key of the documented object is present, with a value of the same JSON type."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from cad.clients.factory import Clients
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, LimitedSupportSpec, ServiceLogSpec, WorldSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def kind_of(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def assert_shape(documented: Any, produced: Any, where: str = "$") -> None:
    if isinstance(documented, dict):
        assert isinstance(produced, dict), f"{where} is {kind_of(produced)}, documented object"
        for key, value in documented.items():
            assert key in produced, f"{where}.{key} is missing"
            if value is not None and value != "...":
                assert_shape(value, produced[key], f"{where}.{key}")
    elif isinstance(documented, list):
        assert isinstance(produced, list), f"{where} is {kind_of(produced)}, documented list"
        if documented and produced:
            assert_shape(documented[0], produced[0], f"{where}[0]")
    elif documented != "...":
        assert kind_of(documented) == kind_of(produced), (
            f"{where}: {kind_of(produced)} != {kind_of(documented)}"
        )


@pytest.fixture
def world(sandbox: Sandbox) -> Sandbox:
    spec = ClusterSpec(
        id="c1",
        name="mycluster",
        ccs=True,
        service_logs=[ServiceLogSpec(summary="s", description="d", severity="Warning")],
        limited_support_reasons=[LimitedSupportSpec(summary="s", details="d")],
    )
    sandbox.seed(WorldSpec(clusters=[spec]))
    details = {"alert_name": "ClusterHasGoneMissing", "cluster_id": "c1"}
    sandbox.create_incident("Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[details])
    return sandbox


def ocm_get(sandbox: Sandbox, clients: Clients, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {clients.tokens.token()}"}
    return httpx.get(sandbox.ocm_url + path, headers=headers)


def test_ocm_objects_have_the_documented_shapes(world: Sandbox, clients: Clients) -> None:
    cm = "/api/clusters_mgmt/v1/clusters"
    assert_shape(fixture("ocm_cluster.json"), ocm_get(world, clients, f"{cm}/c1").json())
    assert_shape(fixture("ocm_error.json"), ocm_get(world, clients, f"{cm}/nope").json())
    reasons = ocm_get(world, clients, f"{cm}/c1/limited_support_reasons").json()
    assert_shape(fixture("ocm_limited_support_reason.json"), reasons["items"][0])
    external = clients.ocm.get_cluster("c1").external_id
    logs = ocm_get(world, clients, f"/api/service_logs/v1/clusters/{external}/cluster_logs").json()
    assert_shape(fixture("ocm_service_log.json"), logs["items"][0])
    assert {"kind", "page", "size", "total", "items"} <= set(logs)


def test_pagerduty_objects_have_the_documented_shapes(world: Sandbox) -> None:
    headers = {"Authorization": f"Token token={world.pagerduty.token}"}
    context = ssl.create_default_context(cafile=str(world.cert_path))
    with httpx.Client(verify=context, headers=headers) as client:
        assert_shape(
            fixture("pagerduty_incident.json"),
            client.get(f"{world.pagerduty_url}/incidents/Q1").json(),
        )
        assert_shape(
            fixture("pagerduty_alerts.json"),
            client.get(f"{world.pagerduty_url}/incidents/Q1/alerts").json(),
        )
        world.pagerduty.incident("Q1").status = "resolved"
        answer = client.put(
            f"{world.pagerduty_url}/incidents/Q1",
            json={"incident": {"type": "incident_reference", "title": "x"}},
            headers={"From": "a@b.c"},
        )
        assert answer.status_code == 400
        assert_shape(fixture("pagerduty_error.json"), answer.json())
        assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= set(answer.headers)


def test_backplane_and_kube_objects_have_the_documented_shapes(
    world: Sandbox, clients: Clients
) -> None:
    headers = {"Authorization": f"Bearer {clients.tokens.token()}"}
    created = httpx.post(
        f"{world.backplane_url}/backplane/remediation/c1",
        params={"remediationName": "chgm"},
        headers=headers,
    ).json()
    assert_shape(fixture("backplane_remediation.json"), created)
    missing = httpx.get(
        world.backplane_url + created["proxy_uri"] + "/api/v1/nodes/x", headers=headers
    )
    assert missing.status_code == 404
    assert_shape(fixture("kube_status.json"), missing.json())
