"""deploy/: valid objects for a pinned Kubernetes, the custom resources' fields as their
CRDs define them, and the hardening docs/operations.md promises."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest

from tests.deploy.manifests import (
    DEPLOY,
    KUSTOMIZATIONS,
    Manifest,
    UnsupportedKustomizationError,
    containers,
    everything,
    listed_files,
    named,
    of_kind,
    pod_specs,
    render,
    set_image,
)

KUBERNETES_VERSION = "1.30.0"
"""The Kubernetes the core kinds are validated against (OpenShift 4.17's)."""

CORE_KINDS = {
    "ConfigMap",
    "Deployment",
    "Job",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "Service",
    "ServiceAccount",
}
SCHEMAS = Path(__file__).parent / "schemas"
CUSTOM_KINDS = {
    "ServiceMonitor": "servicemonitor.json",
    "PrometheusRule": "prometheusrule.json",
    "Route": "route.json",
    "Task": "task.json",
    "Pipeline": "pipeline.json",
}
MANIFESTS = everything()


def _label(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def test_every_kind_under_deploy_is_checked_by_kubernetes_validate_or_a_schema() -> None:
    assert {m["kind"] for m in MANIFESTS} == CORE_KINDS | set(CUSTOM_KINDS)


@pytest.mark.parametrize("manifest", [m for m in MANIFESTS if m["kind"] in CORE_KINDS], ids=_label)
def test_each_core_object_is_valid_for_the_pinned_kubernetes(manifest: Manifest) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(
    "manifest", [m for m in MANIFESTS if m["kind"] in CUSTOM_KINDS], ids=_label
)
def test_each_custom_resource_uses_only_fields_its_crd_defines(manifest: Manifest) -> None:
    schema = json.loads((SCHEMAS / CUSTOM_KINDS[manifest["kind"]]).read_text())
    jsonschema.validate(manifest, schema)


def test_a_core_object_with_a_misspelt_field_is_refused() -> None:
    receiver = json.loads(json.dumps(named(MANIFESTS, "Deployment", "cad-receiver")))
    container = receiver["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(receiver, KUBERNETES_VERSION, strict=True)


def test_a_custom_resource_with_a_misspelt_field_is_refused() -> None:
    rule = json.loads(json.dumps(named(MANIFESTS, "PrometheusRule", "cad")))
    rule["spec"]["groups"][0]["rules"][0]["fro"] = "5m"
    schema = json.loads((SCHEMAS / "prometheusrule.json").read_text())
    with pytest.raises(jsonschema.ValidationError, match="fro"):
        jsonschema.validate(rule, schema)


def test_every_yaml_file_under_deploy_is_part_of_a_kustomization() -> None:
    listed = {path for name in KUSTOMIZATIONS for path in listed_files(DEPLOY / name)}
    assert set(DEPLOY.rglob("*.yaml")) == listed


def test_the_openshift_overlay_is_the_base_and_the_monitoring_plus_a_route() -> None:
    overlay = render(DEPLOY / "overlays/openshift")
    base = render(DEPLOY / "base") + render(DEPLOY / "monitoring")
    assert overlay[: len(base)] == base
    (route,) = overlay[len(base) :]
    assert route["kind"] == "Route"
    assert route["spec"]["to"]["name"] == "cad-receiver"
    assert route["spec"]["path"] == "/webhooks/pagerduty"
    service = named(base, "Service", "cad-receiver")
    assert route["spec"]["port"]["targetPort"] in {p["name"] for p in service["spec"]["ports"]}


def test_the_loader_refuses_a_kustomization_it_would_not_render_faithfully(
    tmp_path: Path,
) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\npatches: []\n")
    with pytest.raises(UnsupportedKustomizationError, match="patches"):
        render(tmp_path)


def test_the_receiver_runs_two_hardened_replicas_probed_on_readyz_and_healthz() -> None:
    receiver = named(MANIFESTS, "Deployment", "cad-receiver")
    assert receiver["spec"]["replicas"] == 2
    (container,) = receiver["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["args"][0] == "serve"
    assert "--no-migrate" in container["args"]
    assert container["args"][container["args"].index("--workers") + 1] == "0"


@pytest.mark.parametrize("name", [name for name, _ in pod_specs(MANIFESTS)])
def test_every_pod_is_non_root_read_only_seccomp_confined_and_without_capabilities(
    name: str,
) -> None:
    (spec,) = [spec for found, spec in pod_specs(MANIFESTS) if found == name]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    for container in spec["containers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert {"requests", "limits"} <= set(container["resources"])
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]]  # noqa: S108  # the pod's own /tmp


def test_only_the_migration_job_migrates() -> None:
    job = named(MANIFESTS, "Job", "cad-db-upgrade")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["db", "upgrade"]
    for deployment in of_kind(MANIFESTS, "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert "--no-migrate" in container["args"], deployment["metadata"]["name"]


def test_secrets_are_referenced_never_given() -> None:
    assert not of_kind(MANIFESTS, "Secret")
    for name, container in containers(MANIFESTS):
        for variable in container.get("env", []):
            secret_like = any(
                word in variable["name"]
                for word in ("SECRET", "TOKEN", "PASSWORD", "DATABASE_URL", "ARN")
            )
            if secret_like:
                assert "secretKeyRef" in variable.get("valueFrom", {}), (name, variable["name"])


def test_the_service_monitor_scrapes_the_ports_the_services_name() -> None:
    monitor = named(MANIFESTS, "ServiceMonitor", "cad")
    selected = [
        service
        for service in of_kind(MANIFESTS, "Service")
        if monitor["spec"]["selector"]["matchLabels"].items()
        <= service["metadata"]["labels"].items()
    ]
    ports = {port["name"] for service in selected for port in service["spec"]["ports"]}
    assert (
        {endpoint["port"] for endpoint in monitor["spec"]["endpoints"]}
        == ports
        == {
            "http",
            "metrics",
        }
    )


def test_the_tekton_pipelines_are_the_originals_names_and_parameters() -> None:
    checks = named(MANIFESTS, "Pipeline", "cad-checks-pipeline")
    assert [p["name"] for p in checks["spec"]["params"]] == ["payload"]
    assert checks["spec"]["tasks"][0]["taskRef"]["name"] == "cad-checks"
    task = named(MANIFESTS, "Task", "cad-checks")
    assert "cadctl investigate --payload-path" in task["spec"]["steps"][0]["script"]
    manual = named(MANIFESTS, "Pipeline", "cad-manual-investigation-pipeline")
    assert [p["name"] for p in manual["spec"]["params"]] == [
        "cluster-id",
        "investigation",
        "dry-run",
        "investigation-params",
    ]
    for pipeline in of_kind(MANIFESTS, "Pipeline"):
        for pipeline_task in pipeline["spec"]["tasks"]:
            target = named(MANIFESTS, "Task", pipeline_task["taskRef"]["name"])
            declared = {p["name"] for p in target["spec"]["params"]}
            given = {p["name"] for p in pipeline_task["params"]}
            required = {p["name"] for p in target["spec"]["params"] if "default" not in p}
            assert required <= given <= declared


def test_an_overlay_setting_the_image_changes_every_pods_image_as_kustomize_would(
    tmp_path: Path,
) -> None:
    # Given an overlay of one's own, as `kustomize edit set image` writes it
    overlay = tmp_path / "mine"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        f"resources: [{DEPLOY / 'overlays/openshift'}]\n"
        "images:\n  - {name: cad, newName: registry.example.com:5000/sre/cad, newTag: 0.2.0}\n"
    )
    # When it is rendered
    rendered = render(overlay)
    # Then every pod runs that image, and nothing else changed
    images = {
        container["image"] for _, spec in pod_specs(rendered) for container in spec["containers"]
    }
    assert images == {"registry.example.com:5000/sre/cad:0.2.0"}
    assert len(rendered) == len(render(DEPLOY / "overlays/openshift"))


@pytest.mark.parametrize(
    ("reference", "change", "expected"),
    [
        ("cad:0.1.0", {"name": "cad", "newTag": "0.2.0"}, "cad:0.2.0"),
        ("cad:0.1.0", {"name": "cad", "digest": "sha256:ab12"}, "cad@sha256:ab12"),
        ("host:5000/cad", {"name": "host:5000/cad", "newTag": "1"}, "host:5000/cad:1"),
        ("other:1", {"name": "cad", "newTag": "2"}, "other:1"),
    ],
)
def test_an_images_entry_changes_only_the_image_it_names(
    reference: str, change: dict[str, str], expected: str
) -> None:
    assert set_image(reference, change) == expected
