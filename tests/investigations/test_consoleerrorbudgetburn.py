"""consoleerrorbudgetburn: every outcome with its exact actions, and each check's lines against
an in-memory cluster and AWS account (the original's Run and check tests)."""

from __future__ import annotations

from typing import Any

import pytest

from cad.actions import EscalateIncident, ServiceLog, SilenceIncident
from cad.clients.aws_models import (
    ClassicInstanceHealth,
    ClassicLoadBalancer,
    DhcpOptions,
    HostedZone,
    LoadBalancerV2,
    RecordSet,
    SecurityGroup,
    SecurityGroupRule,
    TargetHealth,
)
from cad.clients.models import ExecResult
from cad.config.investigation_config import load_default_config
from cad.egress import EgressResult
from cad.errors import ForbiddenError, NotFoundError
from cad.investigations.consoleerrorbudgetburn import probe
from cad.investigations.consoleerrorbudgetburn.investigation import ConsoleErrorBudgetBurn
from cad.investigations.framework.base import Result
from cad.investigations.registry import REGISTRY
from cad.testing.readers import NOW, FakeEgress, FakeWorld, cluster
from tests.investigations import console_probes as probes

from .helpers import ESCALATE_FLOW, note_text, of_type, types

CONSOLE = "https://console-openshift-console.apps.msaary-test.4t01.s1.devshift.org"
DOMAIN = "msaary-test.4t01.s1.devshift.org"
APPS = "\\052.apps.msaary-test.4t01.s1.devshift.org."
CLB_HOST = "test-elb-123456.us-east-1.elb.amazonaws.com"
SILENCE_FLOW = ["backplane_report", "pagerduty_note", "service_log", "silence_incident"]


def meta(name: str, namespace: str | None = None, **labels: str) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "labels": labels}
    if namespace:
        found["namespace"] = namespace
    return found


def pod(name: str, namespace: str, labels: dict[str, str], node: str = "node-1") -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"nodeName": node},
        "status": {
            "phase": "Running",
            "containerStatuses": [{"name": "c", "ready": True, "restartCount": 0}],
        },
    }


def ingress_controller(*ranges: str, lb: str = "") -> dict[str, Any]:
    load_balancer: dict[str, Any] = {"allowedSourceRanges": list(ranges)}
    if lb:
        load_balancer["providerParameters"] = {"type": "AWS", "aws": {"type": lb}}
    return {
        "kind": "IngressController",
        "metadata": meta("default", "openshift-ingress-operator"),
        "spec": {"endpointPublishingStrategy": {"loadBalancer": load_balancer}},
    }


def healthy_world(
    *, hcp: bool = False, aws: bool = True, private_link: bool = False, **raw: Any
) -> FakeWorld:
    """A classic AWS cluster where every layer of the console's path is healthy."""
    ocm = {
        "console": {"url": CONSOLE},
        "network": {"machine_cidr": "10.0.0.0/16"},
        "dns": {"base_domain": "4t01.s1.devshift.org"},
        "aws": {"private_link": private_link},
        **raw,
    }
    world = FakeWorld(
        cluster=cluster(
            hcp=hcp,
            domain_prefix="msaary-test",
            infra_id="test-cluster-infra",
            cloud_provider="aws" if aws else "gcp",
            raw=ocm,
        )
    )
    blackbox = {"app": "blackbox-exporter"}
    cmo = {"app.kubernetes.io/name": "cluster-monitoring-operator"}
    world.objects = [
        ingress_controller("10.0.0.0/8"),
        {"kind": "DNS", "metadata": meta("default"), "spec": {}},
        pod("router-default-abc", "openshift-ingress", dict(probe_router_labels())),
        pod("console-abc", "openshift-console", {"app": "console", "component": "ui"}),
        pod("blackbox-exporter-1", probe.BLACKBOX_NAMESPACE, blackbox),
        pod("cluster-monitoring-operator-1", probe.CMO_NAMESPACE, cmo),
        {
            "kind": "Node",
            "metadata": meta("node-1"),
            "spec": {},
            "status": {
                "conditions": [{"type": "Ready", "status": "True"}],
                "capacity": {"cpu": "4", "memory": "16Gi"},
            },
        },
        {"kind": "NodeMetrics", "metadata": meta("node-1"), "usage": {"cpu": "1", "memory": "4Gi"}},
        {
            "kind": "Service",
            "metadata": meta("router-default", "openshift-ingress"),
            "status": {"loadBalancer": {"ingress": [{"hostname": CLB_HOST}]}},
        },
    ]
    answer(
        world,
        probe.BLACKBOX_NAMESPACE,
        "blackbox-exporter-1",
        probe.probe_command(CONSOLE),
        probes.SUCCESSFUL,
    )
    answer(
        world,
        probe.CMO_NAMESPACE,
        "cluster-monitoring-operator-1",
        probe.history_command(CONSOLE, NOW),
        probes.ALL_SUCCEEDING_HISTORY,
    )
    answer(
        world,
        probe.CMO_NAMESPACE,
        "cluster-monitoring-operator-1",
        probe.CONSOLE_SERVICE_COMMAND,
        "200",
    )
    world.hosted_zones = [
        HostedZone(id="ZPRIVATE", name=f"{DOMAIN}.", private=True),
        HostedZone(id="ZPUBLIC", name="4t01.s1.devshift.org.", private=False),
    ]
    world.record_sets = {zone: [RecordSet(name=APPS, type="A")] for zone in ("ZPRIVATE", "ZPUBLIC")}
    world.dhcp_options = DhcpOptions(id="dopt-1", domain_name_servers=["AmazonProvidedDNS"])
    world.classic_load_balancers = [
        ClassicLoadBalancer(name="test-elb", dns_name=CLB_HOST, security_groups=["sg-clb"])
    ]
    world.classic_instance_health = {
        "test-elb": [
            ClassicInstanceHealth(instance_id="i-001", state="InService"),
            ClassicInstanceHealth(instance_id="i-002", state="InService"),
        ]
    }
    world.security_groups = [
        SecurityGroup(id="sg-clb", ingress=[tcp(443, 443)]),
        SecurityGroup(id="sg-node", ingress=[tcp(30000, 32767)]),
    ]
    return world  # fmt: skip


def probe_router_labels() -> dict[str, str]:
    return {"ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"}


def tcp(low: int, high: int, cidr: str = "0.0.0.0/0") -> SecurityGroupRule:
    return SecurityGroupRule(protocol="tcp", from_port=low, to_port=high, cidr_blocks=[cidr])


def answer(world: FakeWorld, namespace: str, pod_name: str, command: Any, stdout: str) -> None:
    world.answer_exec(namespace, pod_name, command, ExecResult(stdout=stdout))


def replace(world: FakeWorld, kind: str, name: str, obj: dict[str, Any] | None) -> None:
    kept = [o for o in world.objects if (o["kind"], o["metadata"]["name"]) != (kind, name)]
    world.objects = kept + ([obj] if obj else [])


def run(world: FakeWorld) -> Result:
    return ConsoleErrorBudgetBurn().run(world.resources("consoleerrorbudgetburn"))


def lines(world: FakeWorld) -> str:
    return note_text(run(world))


# --- outcomes ----------------------------------------------------------------------------------


def test_it_is_registered_and_routed_as_the_originals_e2e_config() -> None:
    assert REGISTRY.resolve("consoleerrorbudgetburn").name == "consoleerrorbudgetburn"
    alert = load_default_config().match("console-ErrorBudgetBurn Critical (1)")
    assert alert is not None
    assert [i.name for i in alert.investigations][-1] == "consoleerrorbudgetburn"


def test_a_healthy_path_is_escalated_with_every_finding_in_the_note() -> None:
    world = healthy_world()
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    reason = of_type(result, "escalate_incident")
    assert isinstance(reason, EscalateIncident)
    assert reason.reason == "No automated root cause identified — manual investigation required"
    text = note_text(result)
    for expected in (
        f"✅ Blackbox Probe: probe succeeded (HTTP 200, 0.20s) for {CONSOLE}",
        "✅ Probe History: probe has been succeeding for all 3 data points",
        "✅ AllowedSourceRanges: machine CIDR 10.0.0.0/16 is covered",
        "✅ DNS: no custom upstream resolvers configured",
        "✅ Router: all 1 pod(s) in openshift-ingress are running and ready",
        "✅ Console Service: console is responding (HTTP 200) from within the cluster",
        "✅ Console: all 1 pod(s) in openshift-console are running and ready",
        "✅ Node Health: all 1 node(s) running console pods are healthy",
        "✅ Node Utilization: all console-pod nodes below 80% CPU and Memory utilization",
        f"✅ Route53: *.apps DNS records verified in private and public hosted zones for {DOMAIN}",
        "✅ DHCP: VPC DHCP option set uses AmazonProvidedDNS",
        "✅ LB Health: CLB test-elb — all 2 instance(s) InService",
        "✅ LB Security: CLB test-elb security group allows TCP 443 inbound",
        "✅ VPC Egress: network verifier passed — all egress endpoints reachable",
    ):
        assert expected in text
    assert "⚠️" not in text


def test_a_machine_cidr_outside_allowed_source_ranges_sends_the_service_log_and_silences() -> None:
    world = healthy_world()
    replace(world, "IngressController", "default", ingress_controller("192.168.0.0/16"))
    result = run(world)
    assert types(result) == SILENCE_FLOW
    sl = of_type(result, "service_log")
    assert isinstance(sl, ServiceLog)
    assert (sl.severity, sl.summary) == (
        "Critical",
        "Action required: Incorrect Default IngressController Configuration",
    )
    assert "'10.0.0.0/16', needs to be added to the allowlist." in sl.description
    silence = of_type(result, "silence_incident")
    assert isinstance(silence, SilenceIncident)
    assert silence.reason == "AllowedSourceRanges misconfiguration on default IngressController"
    text = note_text(result)
    assert "🤖 Sent AllowedSourceRanges service log and silenced alert" in text
    assert "Router:" not in text  # it stops at the root cause


def test_hcp_skips_allowed_source_ranges_history_and_the_classic_aws_checks() -> None:
    world = healthy_world(hcp=True)
    replace(world, "IngressController", "default", ingress_controller("192.168.0.0/16"))
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    text = note_text(result)
    assert "AllowedSourceRanges" not in text
    assert probe.HCP_HISTORY_SKIPPED in text
    assert "Route53: *.apps DNS records verified" in text
    for classic_only in ("DHCP:", "LB Health:", "VPC Egress:"):
        assert classic_only not in text


@pytest.mark.parametrize(
    ("missing", "says"),
    [
        (["ZPRIVATE"], "missing from private hosted zone"),
        (["ZPUBLIC"], "missing from public hosted zone"),
        (["ZPRIVATE", "ZPUBLIC"], "missing from BOTH private and public hosted zones"),
    ],
)
def test_a_missing_apps_record_sends_the_network_service_log_and_silences(
    missing: list[str], says: str
) -> None:
    world = healthy_world()
    for zone in missing:
        world.record_sets[zone] = []
    result = run(world)
    assert types(result) == SILENCE_FLOW
    sl = of_type(result, "service_log")
    assert isinstance(sl, ServiceLog)
    assert sl.summary == "Action required: Network misconfiguration"
    assert sl.description.endswith(
        f"cluster: The *.apps.{DOMAIN} DNS record is missing from Route53 hosted zones."
    )
    silence = of_type(result, "silence_incident")
    assert isinstance(silence, SilenceIncident)
    assert silence.reason == "Missing *.apps DNS records in Route53"
    text = note_text(result)
    assert says in text
    assert "🤖 Sent NetworkMisconfiguration service log and silenced alert" in text


def test_private_link_checks_only_the_private_zone_and_skips_egress() -> None:
    world = healthy_world(private_link=True)
    world.record_sets["ZPUBLIC"] = []
    egress = world.egress = FakeEgress()
    text = lines(world)
    assert f"Route53: *.apps DNS record verified in private hosted zone for {DOMAIN}" in text
    assert "VPC Egress" not in text
    assert egress.calls == 0


def test_no_access_to_the_cluster_api_is_noted_and_escalated() -> None:
    world = healthy_world()
    world.fail["open_kube"] = RuntimeError("backplane unavailable")
    result = run(world)
    assert types(result) == ["pagerduty_note", "escalate_incident"]
    assert "CAD was unable to get credentials to the cluster" in note_text(result)


def test_a_cluster_not_on_aws_skips_the_aws_checks() -> None:
    text = lines(healthy_world(aws=False))
    assert "Route53" not in text
    assert "AWS:" not in text


def test_an_aws_client_that_cannot_be_built_is_a_warning_and_the_aws_checks_are_skipped() -> None:
    world = healthy_world()
    world.fail["aws_client"] = RuntimeError("no credentials")
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    text = note_text(result)
    assert "⚠️ AWS: unable to initialize AWS client — no credentials" in text
    assert "Route53" not in text


def test_a_zone_that_cannot_be_read_decides_nothing() -> None:
    world = healthy_world()
    world.fail["find_hosted_zone"] = ForbiddenError("access denied", system="aws", endpoint="x")
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert "Route53: error looking up private hosted zone for" in note_text(result)


def test_a_missing_zone_decides_nothing() -> None:
    world = healthy_world()
    world.hosted_zones = world.hosted_zones[1:]
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert f"Route53: no private hosted zone found for {DOMAIN}" in note_text(result)


# --- the cluster phase's failures and findings -------------------------------------------------


def test_a_failing_probe_is_classified_and_its_history_read() -> None:
    world = healthy_world()
    world.exec_answers = []
    answer(
        world,
        probe.BLACKBOX_NAMESPACE,
        "blackbox-exporter-1",
        probe.probe_command(CONSOLE),
        probes.DNS_FAILURE,
    )
    answer(
        world,
        probe.CMO_NAMESPACE,
        "cluster-monitoring-operator-1",
        probe.history_command(CONSOLE, NOW),
        probes.PERSISTENT_FAILURE_HISTORY,
    )
    answer(
        world,
        probe.CMO_NAMESPACE,
        "cluster-monitoring-operator-1",
        probe.CONSOLE_SERVICE_COMMAND,
        "503",
    )
    text = lines(world)
    assert f"Blackbox Probe: probe FAILED for {CONSOLE} — failure mode: dns" in text
    assert "Probe History: probe has been consistently failing" in text
    assert "Console Service: console returned HTTP 503 from within the cluster" in text  # fmt: skip


def test_a_command_that_fails_in_the_pod_is_a_warning() -> None:
    world = healthy_world()
    world.exec_answers = []
    world.answer_exec(
        probe.BLACKBOX_NAMESPACE,
        "blackbox-exporter-1",
        probe.probe_command(CONSOLE),
        ExecResult(stdout="", stderr="wget: connection refused", exit_code=1),
    )
    text = lines(world)
    assert (
        "Blackbox Probe: failed to query blackbox exporter - exec failed: command terminated "
        "with exit code 1: wget: connection refused"
    ) in text
    assert "Console Service: unable to reach console service - exec failed:" in text


def test_no_running_exporter_pod_is_a_warning() -> None:
    world = healthy_world()
    replace(world, "Pod", "blackbox-exporter-1", None)
    text = lines(world)
    assert (
        "Blackbox Probe: failed to query blackbox exporter - no running blackbox-exporter pod "
        "found in openshift-route-monitor-operator"
    ) in text


def test_no_console_url_skips_the_probe() -> None:
    world = healthy_world(console={})
    assert "Blackbox Probe: unable to determine console URL from cluster info" in lines(world)


def test_reads_that_fail_are_warnings_and_the_run_goes_on() -> None:
    world = healthy_world()
    replace(world, "DNS", "default", None)
    replace(world, "Node", "node-1", None)
    replace(world, "NodeMetrics", "node-1", None)
    text = lines(world)
    assert "DNS: failed to get dns.operator.openshift.io/default - " in text
    assert (
        "Node Health: 1 issue(s) on nodes running console pods:\n  node-1: failed to get node"
        in text
    )
    assert "Node Utilization: no metrics available for console-pod nodes" in text
    assert "LB Health: CLB test-elb" in text


def test_an_unreadable_ingress_controller_is_a_warning_for_both_of_its_checks() -> None:
    world = healthy_world()
    replace(world, "IngressController", "default", None)
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    text = note_text(result)
    assert "AllowedSourceRanges: failed to get default IngressController - " in text
    assert "LB Health: failed to get default IngressController — " in text


# --- the AWS phase's informational checks ------------------------------------------------------


def test_custom_dhcp_servers_are_warned() -> None:
    world = healthy_world()
    world.dhcp_options = DhcpOptions(id="dopt-1", domain_name_servers=["10.0.0.2", "10.0.0.3"])
    assert "DHCP: VPC DHCP option set uses custom DNS servers [10.0.0.2 10.0.0.3]" in lines(world)


def test_a_vpc_without_dhcp_options_is_a_warning() -> None:
    world = healthy_world()
    world.dhcp_options = None
    assert "DHCP: unable to check VPC DHCP options — " in lines(world)


def nlb_world(*targets: TargetHealth, groups: list[str] | None = None) -> FakeWorld:
    world = healthy_world()
    replace(world, "IngressController", "default", ingress_controller("10.0.0.0/8", lb="NLB"))
    world.load_balancers_v2 = [
        LoadBalancerV2(
            arn="arn:nlb", name="test-nlb", dns_name=CLB_HOST, type="network",
            security_groups=groups or [],
        )
    ]  # fmt: skip
    world.target_health_v2 = {"arn:nlb": list(targets)}
    world.instance_security_groups = {"i-001": ["sg-node"], "i-002": ["sg-node"]}
    return world


def target(instance: str, state: str, port: int = 443) -> TargetHealth:
    reason = "" if state == "healthy" else "Target.FailedHealthChecks"
    return TargetHealth(
        target_group_arn=f"tg-{port}", target_id=instance, port=port, state=state, reason=reason
    )


def test_an_nlb_with_healthy_groups_and_open_node_ports_is_healthy() -> None:
    text = lines(nlb_world(target("i-001", "healthy"), target("i-002", "unhealthy")))
    assert "✅ LB Health: NLB test-nlb — all target groups have healthy targets (port 443: 1/2 healthy)" in text  # fmt: skip
    assert "✅ LB Security: infra node security groups allow NodePort traffic (30000-32767)" in text


def test_an_nlb_group_down_and_security_groups_on_the_nlb_are_warned() -> None:
    world = nlb_world(target("i-001", "unhealthy"), target("i-002", "unhealthy"), groups=["sg-x"])
    world.security_groups = [SecurityGroup(id="sg-node", ingress=[tcp(22, 22)])]
    text = lines(world)
    assert "LB Health: NLB test-nlb — 1 target group(s) with no healthy targets" in text
    assert "LB Security: NLB test-nlb has security groups attached (unusual): [sg-x]" in text
    assert "do not allow TCP traffic on NodePort range (30000-32767)" in text


def test_an_nlb_without_targets_and_a_missing_nlb_are_warned() -> None:
    assert "LB Health: NLB test-nlb has no registered targets" in lines(nlb_world())
    world = nlb_world()
    world.load_balancers_v2 = []
    assert f"LB Health: no NLB found matching DNS name {CLB_HOST}" in lines(world)


def test_a_clb_out_of_service_without_https_allowed_is_warned() -> None:
    world = healthy_world()
    world.classic_instance_health["test-elb"] = [
        ClassicInstanceHealth(instance_id="i-001", state="InService"),
        ClassicInstanceHealth(
            instance_id="i-002",
            state="OutOfService",
            description="Instance has failed health checks",
        ),
    ]
    world.security_groups = [SecurityGroup(id="sg-clb", ingress=[tcp(80, 80)])]
    text = lines(world)
    assert "LB Health: CLB test-elb — 1/2 instance(s) not InService:\n  i-002: OutOfService" in text
    assert "does not allow TCP 443 inbound from 0.0.0.0/0 or machine CIDR 10.0.0.0/16" in text


def test_a_router_service_without_hostname_is_warned() -> None:
    world = healthy_world()
    replace(world, "Service", "router-default", {"kind": "Service", "metadata": meta("router-default", "openshift-ingress"), "status": {}})  # fmt: skip
    assert "LB Health: router-default Service has no LoadBalancer hostname assigned" in lines(world)


@pytest.mark.parametrize(
    ("verdict", "says"),
    [
        (EgressResult(outcome="failure", unreachable=["nosnch.in:443"]), "⚠️ VPC Egress: network verifier reported blocked egress — nosnch.in:443"),
        (EgressResult(outcome="error", message="boom"), "⚠️ VPC Egress: network verifier error — boom"),
        (EgressResult(outcome="unavailable", message="not installed"), "⚠️ VPC Egress: network verifier did not run — not installed"),
    ],
)  # fmt: skip
def test_the_egress_verdict_is_noted(verdict: EgressResult, says: str) -> None:
    world = healthy_world()
    world.egress = FakeEgress(verdict)
    result = run(world)
    assert types(result) == ESCALATE_FLOW
    assert says in note_text(result)


def test_a_cluster_deployment_that_cannot_be_read_is_noted() -> None:
    world = healthy_world()
    world.fail["get_cluster_deployment"] = NotFoundError("gone", system="ocm", endpoint="x")
    text = lines(world)
    assert "VPC Egress: unable to fetch ClusterDeployment — " in text
    assert "gone" in text
