"""A dry run writes nothing anywhere: scenarios of the shipped library, run as dry runs, leave every simulator without a state-changing request (OCM, PagerDuty, backplane reports,
both Kubernetes APIs, Red Hat's SFTP server and its token endpoint)."""

from __future__ import annotations

import pytest

from cad.scenarios.model import Scenario, load_library
from cad.scenarios.runner import run_scenario
from cad.simulators.sandbox import Sandbox

# Every scenario of the investigations that change clusters; of the others, the first of each
# family without faults (a fault only slows a run down: it cannot make a dry run write).
CHANGING = ("restartcp-", "etcd-", "mustgather-")


def sample(library: list[Scenario]) -> list[Scenario]:
    chosen: dict[str, Scenario] = {}
    for scenario in library:
        family = scenario.name.split("-")[0]
        if scenario.name.startswith(CHANGING):
            chosen[scenario.name] = scenario
        elif not scenario.faults and not any(c.startswith(family) for c in chosen):
            chosen[family] = scenario
    return list(chosen.values())


LIBRARY = sample(load_library())

# Opening and closing a backplane remediation is how CAD reaches a cluster's API at all, for
# reads too; it changes nothing on the cluster, so it is not counted as a write here.
ACCESS_PATHS = ("/backplane/remediation/",)


def state_changing_requests(sandbox: Sandbox) -> dict[str, list[str]]:
    journals = {
        "ocm": sandbox.ocm.writes.records,
        "pagerduty": sandbox.pagerduty.writes.records,
        "backplane": [
            r for r in sandbox.backplane.writes.records if not r.path.startswith(ACCESS_PATHS)
        ],
    }
    found = {name: [f"{r.method} {r.path}" for r in records] for name, records in journals.items()}
    found["kubernetes"] = [
        f"{w['method']} {w['kind']} {w['namespace']}/{w['name']} ({role})"
        for role, w in sandbox.kube_writes()
    ]
    found["sftp"] = list(sandbox.sftp.opened_for_write)
    found["sftp-token"] = [str(request) for request in sandbox.sftp.token_requests]
    return {name: requests for name, requests in found.items() if requests}


@pytest.mark.parametrize("scenario", LIBRARY, ids=lambda s: s.name)
def test_a_dry_run_of_the_scenario_writes_nothing_anywhere(
    sandbox: Sandbox, scenario: Scenario
) -> None:
    dry = scenario.model_copy(update={"run": scenario.run.model_copy(update={"dry_run": True})})
    run_scenario(dry, sandbox)
    assert state_changing_requests(sandbox) == {}
