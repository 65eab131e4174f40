"""The simulators still produce the shapes of external-apis.md (documents kept as fixtures):
every key of the documented object is present, with a value of the same JSON type. And they
send nothing the vendors' published schemas lack (``vendor_schema_keys.json``: the property
names of PagerDuty's and OCM's OpenAPI schemas, at the commits it names), except the
differences recorded in docs/architecture/integrations.md."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from cad.clients.factory import Clients
from cad.clients.pagerduty import IncidentDetails
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import (
    ClusterSpec,
    LimitedSupportSpec,
    MachinePoolSpec,
    ServiceLogSpec,
    WorldSpec,
)

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


def unknown_keys(allowed: Any, produced: Any, where: str = "$") -> list[str]:
    """The keys of ``produced`` that the schema's key tree ``allowed`` lacks (a list of names,
    or a mapping to the nested object's tree; ``None`` is not expanded)."""
    if isinstance(produced, list):
        return [
            problem
            for i, item in enumerate(produced)
            for problem in unknown_keys(allowed, item, f"{where}[{i}]")
        ]
    if allowed is None or not isinstance(produced, dict):
        return []
    found = [f"{where}.{key}" for key in produced if key not in allowed]
    if isinstance(allowed, dict):
        for key, nested in allowed.items():
            if key in produced:
                found += unknown_keys(nested, produced[key], f"{where}.{key}")
    return found


SCHEMAS = fixture("vendor_schema_keys.json")
PD = SCHEMAS["pagerduty"]
OCM = SCHEMAS["ocm"]
# Kept on purpose (docs/architecture/integrations.md, "Where the simulators differ"): OCM's
# lists carry ``kind`` and its errors ``operation_id``, which the generated schemas omit.
OCM_LIST = [*OCM["List"], "kind"]
OCM_ERROR = [*OCM["Error"], "operation_id"]


@pytest.fixture
def world(sandbox: Sandbox) -> Sandbox:
    spec = ClusterSpec(
        id="c1",
        name="mycluster",
        ccs=True,
        machine_pools=[
            MachinePoolSpec(id="worker", replicas=2),
            MachinePoolSpec(id="auto", autoscaling={"min": 2, "max": 4}),
        ],
        service_logs=[ServiceLogSpec(summary="s", description="d", severity="Warning")],
        limited_support_reasons=[LimitedSupportSpec(summary="s", details="d")],
    )
    hosted = ClusterSpec(id="h1", hcp=True, infra_cluster=True)
    sandbox.seed(WorldSpec(clusters=[spec, hosted]))
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


def test_ocm_answers_carry_only_keys_of_ocms_schemas(world: Sandbox, clients: Clients) -> None:
    # Given a classic and a hosted cluster; When CAD's every OCM operation is answered
    cm = "/api/clusters_mgmt/v1/clusters"
    headers = {"Authorization": f"Bearer {clients.tokens.token()}"}

    def get(path: str, **params: str) -> Any:
        return httpx.get(world.ocm_url + path, headers=headers, params=params).json()

    def post(path: str, body: dict[str, Any]) -> Any:
        answer = httpx.post(world.ocm_url + path, headers=headers, json=body)
        assert answer.status_code == 201
        return answer.json()

    external = clients.ocm.get_cluster("c1").external_id
    subscription = get(f"{cm}/c1")["subscription"]["id"]
    owner = get(f"/api/accounts_mgmt/v1/subscriptions/{subscription}")["creator"]["id"]
    lists = {
        "ClusterList": (get(cm, search="id in ('c1', 'h1')"), "Cluster"),
        "MachinePoolList": (get(f"{cm}/c1/machine_pools", page="1", size="-1"), "MachinePool"),
        "LimitedSupportReasonList": (
            get(f"{cm}/c1/limited_support_reasons"),
            "LimitedSupportReason",
        ),
        "LabelList": (get(f"{cm}/c1/external_configuration/labels"), "Label"),
        "LabelList (infra)": (get(f"{cm}/h1/external_configuration/labels"), "Label"),
        "ClusterLogList": (
            get(f"/api/service_logs/v1/clusters/{external}/cluster_logs"),
            "LogEntry",
        ),
    }
    objects = {
        "Cluster": get(f"{cm}/c1"),
        "Cluster (hosted)": get(f"{cm}/h1"),
        "ClusterResources": get(f"{cm}/c1/resources/live"),
        "HypershiftConfig": get(f"{cm}/h1/hypershift"),
        "AccessProtection": get("/api/access_transparency/v1/access_protection", clusterId="c1"),
        "Subscription": get(f"/api/accounts_mgmt/v1/subscriptions/{subscription}"),
        "Account": get(f"/api/accounts_mgmt/v1/accounts/{owner}"),
        "LimitedSupportReason": post(
            f"{cm}/c1/limited_support_reasons",
            {"summary": "s", "details": "d", "detection_type": "manual"},
        ),
        "LogEntry": post(
            "/api/service_logs/v1/cluster_logs",
            {"cluster_id": "c1", "severity": "Warning", "summary": "s", "description": "d"},
        ),
    }
    # Then every key is one OCM's schemas name (the envelope's and each item's)
    problems = []
    for name, (envelope, item_schema) in lists.items():
        assert envelope["items"], f"{name} is empty: nothing compared"
        problems += unknown_keys(OCM_LIST, envelope, name)
        problems += unknown_keys(OCM[item_schema], envelope["items"], f"{name}.items")
    for name, body in objects.items():
        problems += unknown_keys(OCM[name.split(" ")[0]], body, name)
    problems += unknown_keys(OCM_ERROR, get(f"{cm}/nope"), "Error")
    assert problems == []


def test_pagerduty_answers_carry_only_keys_of_pagerdutys_schemas(world: Sandbox) -> None:
    headers = {"Authorization": f"Token token={world.pagerduty.token}", "From": "a@b.c"}
    context = ssl.create_default_context(cafile=str(world.cert_path))
    url = world.pagerduty_url
    with httpx.Client(verify=context, headers=headers) as client:
        incident = client.get(f"{url}/incidents/Q1").json()["incident"]
        alerts = client.get(f"{url}/incidents/Q1/alerts").json()["alerts"]
        note = client.post(f"{url}/incidents/Q1/notes", json={"note": {"content": "hi"}})
        notes = client.get(f"{url}/incidents/Q1/notes").json()["notes"]
        update = {"type": "incident_reference", "escalation_level": 2}
        updated = client.put(f"{url}/incidents/Q1", json={"incident": update}).json()
        missing = client.get(f"{url}/incidents/QNOPE").json()
    problems = unknown_keys(PD["Incident"], incident, "incident")
    problems += unknown_keys(PD["Incident"], updated["incident"], "updated")
    problems += unknown_keys(PD["Alert"], alerts, "alerts")
    problems += unknown_keys(PD["IncidentNote"], [note.json()["note"], *notes], "notes")
    problems += unknown_keys(PD["Error"], missing, "error")
    assert problems == []
    # A note's user is a user reference, whose id and type PagerDuty's schema requires
    assert {"id", "type"} <= set(note.json()["note"]["user"])
    assert missing == {"error": {"message": "Not Found", "code": 2100}}


def test_the_simulator_answers_a_resolved_incident_with_the_body_pagerduty_sends(
    world: Sandbox,
) -> None:
    headers = {"Authorization": f"Token token={world.pagerduty.token}", "From": "a@b.c"}
    context = ssl.create_default_context(cafile=str(world.cert_path))
    world.pagerduty.incident("Q1").status = "resolved"
    with httpx.Client(verify=context, headers=headers) as client:
        answer = client.put(
            f"{world.pagerduty_url}/incidents/Q1",
            json={"incident": {"type": "incident_reference", "escalation_level": 2}},
        )
    assert answer.status_code == 400
    assert answer.json() == fixture("pagerduty_error.json")


# Where each field of the incident CAD reads comes from in PagerDuty's Incident object.
INCIDENT_SOURCES = {
    "id": "id",
    "title": "title",
    "status": "status",
    "escalation_policy_id": "escalation_policy",
    "html_url": "html_url",
    "service_id": "service",
    "service_summary": "service",
}


def test_cad_reads_no_incident_field_pagerduty_does_not_send() -> None:
    assert set(IncidentDetails.model_fields) == set(INCIDENT_SOURCES)
    assert set(INCIDENT_SOURCES.values()) <= set(PD["Incident"])
