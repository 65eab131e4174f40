"""mustgather: the image the cluster names, the HCP command, the product label, and the CHGM
chain's sample drawn from the incident (reproducible, about one in ten)."""

from __future__ import annotations

from typing import Any

import pytest

from cad.config.filters import FilterContext, FilterNode, sampling_rng
from cad.config.settings import Settings
from cad.investigations.mustgather import checks
from cad.scenarios.model import Scenario, load_library
from cad.scenarios.runner import run_scenario
from cad.simulators.sandbox import Sandbox

STREAM = {
    "status": {
        "tags": [
            {"tag": "4.15", "items": [{"dockerImageReference": "quay.io/x@sha256:old"}]},
            {"tag": "latest", "items": [{"dockerImageReference": "quay.io/x@sha256:new"}]},
        ]
    }
}


@pytest.mark.parametrize(
    ("stream", "image"),
    [
        (STREAM, "quay.io/x@sha256:new"),
        ({"status": {"tags": [{"tag": "latest", "items": []}]}}, None),
        ({"status": {"tags": [{"tag": "4.15", "items": [{"dockerImageReference": "q"}]}]}}, None),
        ({}, None),
    ],
)
def test_the_image_is_the_one_the_image_streams_latest_tag_resolves_to(
    stream: dict[str, Any], image: str | None
) -> None:
    assert checks.image_from_stream(stream) == image


def test_the_hcp_command_and_product_labels_are_the_originals() -> None:
    assert checks.hcp_gather_command("ocm-production-c1-my", "my") == (
        "/usr/bin/gather hosted-cluster-namespace=ocm-production-c1-my hosted-cluster-name=my"
    )
    assert (checks.product(False), checks.product(True)) == ("ROSA classic", "ROSA HCP")


def test_the_sample_is_drawn_from_the_incident_so_every_delivery_decides_alike() -> None:
    sample = FilterNode.model_validate({"operator": "sample", "values": ["0.10"]})
    ctx = FilterContext({})

    def decide(incident: str) -> bool:
        return sample.evaluate(ctx, sampling_rng(incident, "mustgather"))[0]

    assert all(decide(f"Q{i}") == decide(f"Q{i}") for i in range(50))
    share = sum(decide(f"Q{i}") for i in range(4000)) / 4000
    assert 0.08 < share < 0.12


def scenario(name: str) -> Scenario:
    [found] = [s for s in load_library() if s.name == name]
    return found


def test_a_hosted_clusters_gather_pod_names_it_and_runs_on_the_management_cluster(
    sandbox: Sandbox,
) -> None:
    result = run_scenario(scenario("mustgather-hcp-management-cluster"), sandbox)
    assert result.passed, result.failed_checks
    management = sandbox.backplane.kube["2abcdefghijklmnopqrstuvwxyz01234-management"]
    [pod] = [w["body"] for w in management.writes if w["kind"] == "Pod"]
    [gather] = pod["spec"]["initContainers"]
    assert gather["image"] == checks.ACM_HCP_IMAGE
    assert "hosted-cluster-name=my-cluster" in gather["command"][-1]
    assert sandbox.backplane.kube["2abcdefghijklmnopqrstuvwxyz01234"].writes == []


def test_cad_acm_hcp_must_gather_image_names_the_image_of_a_hosted_clusters_gather_pod(
    sandbox: Sandbox,
) -> None:
    # Given CAD_ACM_HCP_MUST_GATHER_IMAGE set for the run (the scenario's settings)
    result = run_scenario(scenario("mustgather-hcp-configured-image"), sandbox)
    assert result.passed, result.failed_checks
    # Then the gather pod on the management cluster runs that image, not the original's
    management = sandbox.backplane.kube["2abcdefghijklmnopqrstuvwxyz01234-management"]
    [pod] = [w["body"] for w in management.writes if w["kind"] == "Pod"]
    [gather] = pod["spec"]["initContainers"]
    assert gather["image"] == "quay.io/acm-d/must-gather-rhel9:v2.9"


def test_the_settings_default_image_is_the_originals_acm_image() -> None:
    assert Settings.model_fields["acm_hcp_must_gather_image"].default == checks.ACM_HCP_IMAGE
