"""consoleerrorbudgetburn's decisions, with the original's test cases as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cad.clients.aws_models import ClassicInstanceHealth, SecurityGroupRule, TargetHealth
from cad.clients.exec_policy import refusal
from cad.clients.ocm.models import Cluster
from cad.investigations.consoleerrorbudgetburn import checks, loadbalancers, probe, workloads
from tests.investigations import console_probes as probes

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def ingress_controller(ranges: list[str] | None = None, **load_balancer: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if ranges is not None or load_balancer:
        lb = dict(load_balancer)
        if ranges is not None:
            lb["allowedSourceRanges"] = ranges
        spec["endpointPublishingStrategy"] = {"type": "LoadBalancerService", "loadBalancer": lb}
    return {
        "metadata": {"name": "default", "namespace": "openshift-ingress-operator"},
        "spec": spec,
    }


# --- cluster facts ---------------------------------------------------------------------------


def test_the_facts_come_from_the_ocm_cluster_object() -> None:
    cluster = Cluster.from_api(
        {
            "id": "c1",
            "domain_prefix": "msaary-test",
            "infra_id": "c1-infra",
            "console": {"url": "https://console.example.com"},
            "network": {"machine_cidr": "10.0.0.0/16"},
            "dns": {"base_domain": "4t01.s1.devshift.org"},
            "cloud_provider": {"id": "aws"},
            "aws": {"private_link": True},
        }
    )
    facts = checks.ClusterFacts.from_cluster(cluster)
    assert facts.console_url == "https://console.example.com"
    assert facts.machine_cidr == "10.0.0.0/16"
    assert facts.cluster_domain == "msaary-test.4t01.s1.devshift.org"
    assert (facts.infra_id, facts.cloud_provider, facts.private_link) == ("c1-infra", "aws", True)


def test_a_cluster_without_those_fields_has_empty_facts() -> None:
    facts = checks.ClusterFacts.from_cluster(Cluster.from_api({"id": "c1"}))
    assert (facts.console_url, facts.machine_cidr, facts.base_domain) == ("", "", "")
    assert facts.private_link is False


# --- allowedSourceRanges ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "machine", "controller", "kind", "says", "root_cause"),
    [
        ("not configured", "10.0.0.0/16", ingress_controller(), "success", "not configured", False),
        (
            "included",
            "10.0.0.0/16",
            ingress_controller(["10.0.0.0/8"]),
            "success",
            "is covered",
            False,
        ),
        (
            "exact match",
            "10.0.0.0/16",
            ingress_controller(["10.0.0.0/16"]),
            "success",
            "is covered",
            False,
        ),
        (
            "smaller range",
            "10.0.0.0/16",
            ingress_controller(["10.0.0.0/24"]),
            "warning",
            "NOT included",
            True,
        ),
        (
            "excluded",
            "10.0.0.0/16",
            ingress_controller(["192.168.0.0/16"]),
            "warning",
            "NOT included",
            True,
        ),
        (
            "second of two covers",
            "10.0.0.0/16",
            ingress_controller(["192.168.0.0/16", "10.0.0.0/8"]),
            "success",
            "is covered",
            False,
        ),
        (
            "empty machine CIDR",
            "",
            ingress_controller(["10.0.0.0/8"]),
            "warning",
            "unable to determine",
            False,
        ),
        (
            "unparsable machine CIDR",
            "10.0.0.0",
            ingress_controller(["10.0.0.0/8"]),
            "warning",
            "failed to parse",
            False,
        ),
        (
            "no load balancer",
            "10.0.0.0/16",
            ingress_controller(None),
            "success",
            "not configured",
            False,
        ),
        ("empty ranges", "10.0.0.0/16", ingress_controller([]), "success", "not configured", False),
    ],
)
def test_allowed_source_ranges_must_cover_the_machine_cidr(
    case: str, machine: str, controller: dict[str, Any], kind: str, says: str, root_cause: bool
) -> None:
    (line_kind, text), found = checks.allowed_source_ranges_finding(machine, controller)
    assert (line_kind, found) == (kind, root_cause), case
    assert says in text


def test_the_uncovered_line_lists_the_ranges_as_the_original_does() -> None:
    (_, text), _ = checks.allowed_source_ranges_finding(
        "10.0.0.0/16", ingress_controller(["192.168.0.0/16", "172.16.0.0/12"])
    )
    assert text.endswith("(ranges: [192.168.0.0/16 172.16.0.0/12])")


def test_the_allowed_source_ranges_service_log_is_the_originals() -> None:
    sl = checks.allowed_source_ranges_service_log("10.0.0.0/16")
    assert (sl.severity, sl.service_name, sl.internal_only) == (
        "Critical",
        "SREManualAction",
        False,
    )
    assert sl.summary == "Action required: Incorrect Default IngressController Configuration"
    assert sl.description == (
        "Your cluster requires you to take action. Your default ingresscontroller is "
        "misconfigured, generating alerts for Red Hat SRE and degrading cluster health. The "
        "Machine CIDR for the cluster, '10.0.0.0/16', needs to be added to the allowlist."
    )


def test_the_network_misconfiguration_service_log_is_the_originals() -> None:
    sl = checks.network_misconfiguration_service_log(
        "The *.apps.p.example.com DNS record is missing from Route53 hosted zones"
    )
    assert (sl.severity, sl.summary) == ("Critical", "Action required: Network misconfiguration")
    assert sl.description == (
        "Your cluster requires you to take action. SRE has observed that there have been "
        "changes made to network configuration which impact normal working of the cluster: "
        "The *.apps.p.example.com DNS record is missing from Route53 hosted zones."
    )


# --- upstream DNS, console service -------------------------------------------------------------


def dns(*upstreams: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"upstreamResolvers": {"upstreams": list(upstreams)}}}


@pytest.mark.parametrize(
    ("upstreams", "kind", "says"),
    [
        ([{"type": "SystemResolvConf"}], "success", "no custom upstream resolvers"),
        ([{"type": "Network", "address": "1.2.3.4", "port": 53}], "warning", "1.2.3.4:53"),
        (
            [
                {"type": "Network", "address": "1.2.3.4", "port": 53},
                {"type": "Network", "address": "5.6.7.8", "port": 5353},
            ],
            "warning",
            "1.2.3.4:53, 5.6.7.8:5353",
        ),
        (
            [{"type": "SystemResolvConf"}, {"type": "Network", "address": "8.8.8.8", "port": 53}],
            "warning",
            "customer-configured upstream resolvers detected (may prevent *.apps domain "
            "resolution): 8.8.8.8:53",
        ),
        ([], "success", "no custom upstream resolvers"),
    ],
)
def test_network_upstream_resolvers_are_customer_configured(
    upstreams: list[dict[str, Any]], kind: str, says: str
) -> None:
    line_kind, text = checks.upstream_dns_line(dns(*upstreams))
    assert line_kind == kind
    assert says in text


@pytest.mark.parametrize(
    ("code", "kind", "says"),
    [("200", "success", "console is responding (HTTP 200)"), ("503", "warning", "HTTP 503")],
)
def test_the_console_service_must_answer_200(code: str, kind: str, says: str) -> None:
    assert checks.console_service_line(code)[0] == kind
    assert says in checks.console_service_line(code)[1]


# --- Route53, DHCP, egress ---------------------------------------------------------------------


def test_the_apps_record_is_named_as_route53_names_it() -> None:
    assert checks.apps_record_name("p.example.com") == "\\052.apps.p.example.com."


@pytest.mark.parametrize(
    ("private", "public", "private_link", "root_cause", "says"),
    [
        (False, False, False, False, "verified in private and public hosted zones"),
        (True, False, False, True, "missing from private hosted zone"),
        (False, True, False, True, "missing from public hosted zone"),
        (True, True, False, True, "BOTH private and public"),
        (False, False, True, False, "verified in private hosted zone for myprefix.example.com"),
    ],
)
def test_a_missing_apps_record_is_the_root_cause(
    private: bool, public: bool, private_link: bool, root_cause: bool, says: str
) -> None:
    verdict = checks.route53_verdict(
        "myprefix.example.com",
        missing_private=private,
        missing_public=public,
        private_link=private_link,
    )
    assert verdict.root_cause is root_cause
    assert verdict.line[0] == ("warning" if root_cause else "success")
    assert says in verdict.line[1]


@pytest.mark.parametrize(
    ("servers", "kind", "says"),
    [
        (["AmazonProvidedDNS"], "success", "DHCP: VPC DHCP option set uses AmazonProvidedDNS"),
        (["10.0.0.2", "10.0.0.3"], "warning", "custom DNS servers [10.0.0.2 10.0.0.3]"),
        (
            ["AmazonProvidedDNS", "10.0.0.2"],
            "success",
            "AmazonProvidedDNS alongside custom servers",
        ),
        ([], "success", "AWS default DNS"),
    ],
)
def test_the_dhcp_options_must_include_amazon_provided_dns(
    servers: list[str], kind: str, says: str
) -> None:
    line_kind, text = checks.dhcp_line(servers)
    assert line_kind == kind
    assert says in text


@pytest.mark.parametrize(
    ("outcome", "kwargs", "kind", "says"),
    [
        ("success", {}, "success", "network verifier passed"),
        (
            "failure",
            {"failure_reason": "nosnch.in unreachable"},
            "warning",
            "blocked egress — nosnch.in unreachable",
        ),
        (
            "error",
            {"message": "failed to initialize validateEgressInput"},
            "warning",
            "network verifier error — failed to initialize",
        ),
        ("undefined", {}, "warning", "undefined result"),
        ("unavailable", {"message": "not installed"}, "warning", "did not run — not installed"),
    ],
)
def test_the_egress_verdict_is_one_line(
    outcome: str, kwargs: dict[str, str], kind: str, says: str
) -> None:
    line_kind, text = checks.egress_line(outcome, **kwargs)
    assert line_kind == kind
    assert says in text


# --- the blackbox probe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "mode", "detail"),
    [
        (probes.DNS_FAILURE, "dns", "no such host"),
        (probes.TIMEOUT, "timeout", "context deadline exceeded"),
        (probes.TLS_ERROR, "tls", "x509"),
        (probes.CONNECTION_REFUSED, "connection_refused", "connection refused"),
        (probes.SERVER_ERROR, "server_error", "HTTP 503"),
        (probes.UNKNOWN_FAILURE, "unknown", "no recognized error pattern"),
        ("", "unknown", "no recognized error pattern"),
    ],
)
def test_a_failed_probe_is_classified_by_its_log(body: str, mode: str, detail: str) -> None:
    result = probe.parse_probe_response(body)
    assert result.success is False
    assert result.failure_mode == mode
    assert detail in result.failure_detail


def test_a_successful_probe_gives_its_status_and_duration() -> None:
    result = probe.parse_probe_response(probes.SUCCESSFUL)
    assert (result.success, result.http_status, result.duration) == (True, 200, 0.198)
    assert probe.probe_line("https://console.test.example.com", result) == (
        "success",
        "Blackbox Probe: probe succeeded (HTTP 200, 0.20s) for https://console.test.example.com",
    )


def test_the_failure_detail_starts_at_the_error() -> None:
    result = probe.parse_probe_response(probes.DNS_FAILURE)
    assert result.failure_detail == (
        'err="lookup console-openshift-console.apps.test.example.com: no such host"'
    )
    kind, text = probe.probe_line("https://c.example.com", result)
    assert kind == "warning"
    assert text.startswith(
        "Blackbox Probe: probe FAILED for https://c.example.com — failure mode: dns — "
    )


def test_a_long_detail_is_cut_at_200_characters() -> None:
    assert probe.extract_detail("x" * 300 + " no such host", "no such host") == "x" * 200 + "..."
    assert probe.extract_detail("nothing here", "no such host") == "no such host"


@pytest.mark.parametrize(
    ("output", "kind", "says"),
    [
        (probes.PERSISTENT_FAILURE_HISTORY, "warning", "consistently failing — all 3 data points"),
        (probes.INTERMITTENT_FAILURE_HISTORY, "warning", "intermittently failing — 2/4"),
        (probes.ALL_SUCCEEDING_HISTORY, "success", "succeeding for all 3 data points"),
        (probes.EMPTY_HISTORY, "warning", "no probe_success data found"),
        ("not json", "warning", "failed to parse Prometheus response"),
        ('{"data": "odd"}', "warning", "failed to parse Prometheus response"),
    ],
)
def test_the_probe_history_is_read_from_prometheus(output: str, kind: str, says: str) -> None:
    line_kind, text = probe.history_line(output)
    assert line_kind == kind
    assert says in text


def test_the_probe_runs_the_exporters_debug_probe_of_the_console() -> None:
    assert probe.probe_command("https://console.example.com") == (
        "wget",
        "-qO-",
        "http://localhost:9115/probe?target=https://console.example.com&module=http_2xx&debug=true",
    )


def test_the_history_asks_prometheus_for_the_last_hour_to_the_minute_by_cads_clock() -> None:
    shell, flag, script = probe.history_command(
        "https://console.apps.example.com/path", NOW + timedelta(seconds=42)
    )
    assert (shell, flag) == ("sh", "-c")
    url = script.split("'")[1]
    query = parse_qs(urlsplit(url).query)
    assert query["query"] == ['probe_success{probe_url=~".*console.apps.example.com.*"}']
    assert int(query["end"][0]) - int(query["start"][0]) == 3600
    assert int(query["end"][0]) == int(NOW.timestamp())
    assert query["step"] == ["60"]
    assert "$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" in script


# --- pods, events, nodes -----------------------------------------------------------------------


def pod(
    name: str, phase: str = "Running", *statuses: dict[str, Any], node: str = ""
) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"nodeName": node} if node else {},
        "status": {"phase": phase, "containerStatuses": list(statuses)},
    }


def container(ready: bool = True, restarts: int = 0, waiting: str = "") -> dict[str, Any]:
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {}}
    return {"name": "router", "ready": ready, "restartCount": restarts, "state": state}


def router_lines(
    pods: list[dict[str, Any]], events: list[dict[str, Any]] | str | None = None
) -> str:
    found = [] if events is None else events
    lines = workloads.pod_health_lines("Router", "openshift-ingress", pods, found, NOW)
    return "\n".join(f"{kind}: {text}" for kind, text in lines)


@pytest.mark.parametrize(
    ("pods", "says"),
    [
        (
            [
                pod("router-default-abc", "Running", container()),
                pod("router-default-def", "Running", container()),
            ],
            "success: Router: all 2 pod(s) in openshift-ingress are running and ready",
        ),
        (
            [pod("r", "Running", container(False, 10, "CrashLoopBackOff"))],
            "container router: CrashLoopBackOff",
        ),
        ([pod("r", "Running", container(ready=False))], "container router not ready"),
        ([], "warning: Router: no pods found in openshift-ingress"),
        ([pod("r", "Running", container(restarts=5))], "container router has 5 restarts"),
        ([pod("r", "Pending")], "r: Pending"),
        ([pod("r", "Failed")], "r: Failed"),
    ],
)
def test_router_pods_are_failed_pending_crashing_restarting_or_not_ready(
    pods: list[dict[str, Any]], says: str
) -> None:
    assert says in router_lines(pods)


def test_no_healthy_router_pod_suggests_a_restart() -> None:
    text = router_lines(
        [pod("a", "Failed"), pod("b", "Running", container(False, 10, "CrashLoopBackOff"))]
    )
    assert "no healthy router pods present" in text
    assert "`oc -n openshift-ingress rollout restart deploy/router-default`" in text


def test_one_healthy_router_pod_suggests_no_restart() -> None:
    text = router_lines([pod("a", "Running", container()), pod("b", "Failed")])
    assert "no healthy router pods present" not in text
    assert "1 pod issue(s):\n  b: Failed" in text


def event(pod_name: str, minutes_ago: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "Warning",
        "involvedObject": {"kind": "Pod", "name": pod_name},
        "reason": "Unhealthy",
        "message": "Readiness probe failed",
        "count": 3,
        "lastTimestamp": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
        **extra,
    }


def test_recent_warning_events_of_the_pods_are_listed() -> None:
    text = router_lines(
        [pod("router-default-abc", "Running", container())],
        [
            event("router-default-abc", 5),
            event("router-default-abc", 45, reason="TooOld"),
            event("someone-else", 5, reason="NotOurs"),
            event("router-default-abc", 5, type="Normal", reason="Normal"),
        ],
    )
    assert (
        "1 warning event(s):\n  Pod/router-default-abc: Unhealthy (x3) - Readiness probe failed"
        in text
    )
    for left_out in ("TooOld", "NotOurs", "Normal"):
        assert left_out not in text


def test_at_most_five_events_and_long_messages_are_cut() -> None:
    found = workloads.warning_events(
        [event("p", 1, message="m" * 130) for _ in range(7)], {"p"}, NOW
    )
    assert len(found) == 5
    assert found[0].endswith("m" * 120 + "...")


def test_events_that_cannot_be_listed_are_a_warning_of_their_own() -> None:
    text = router_lines([pod("r", "Running", container())], "forbidden")
    assert "warning: Router: failed to list events in openshift-ingress - forbidden" in text
    assert "success: Router: all 1 pod(s)" in text


def node(
    name: str, *conditions: tuple[str, str], unschedulable: bool = False, reason: str = ""
) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"unschedulable": unschedulable},
        "status": {
            "conditions": [{"type": t, "status": s, "reason": reason} for t, s in conditions]
        },
    }


HEALTHY = (
    ("Ready", "True"),
    ("MemoryPressure", "False"),
    ("DiskPressure", "False"),
    ("PIDPressure", "False"),
)


@pytest.mark.parametrize(
    ("obj", "issues"),
    [
        (node("node-1", *HEALTHY), []),
        (
            node("node-1", ("Ready", "False"), reason="KubeletNotReady"),
            ["node-1: NotReady (status: False, reason: KubeletNotReady)"],
        ),
        (node("node-1", ("Ready", "True"), ("DiskPressure", "True")), ["node-1: DiskPressure"]),
        (node("node-1", ("Ready", "True"), ("PIDPressure", "True")), ["node-1: PIDPressure"]),
        (node("node-2", ("Ready", "True"), ("MemoryPressure", "True")), ["node-2: MemoryPressure"]),
        (node("node-1", *HEALTHY, unschedulable=True), ["node-1: Unschedulable (cordoned)"]),
        (node("node-1"), ["node-1: NodeReady condition not found"]),
    ],
)
def test_node_issues(obj: dict[str, Any], issues: list[str]) -> None:
    assert workloads.node_issues(obj) == issues


def test_the_node_line_counts_healthy_nodes_or_lists_issues() -> None:
    assert workloads.node_health_line(1, []) == (
        "success",
        "Node Health: all 1 node(s) running console pods are healthy",
    )
    kind, text = workloads.node_health_line(2, ["node-2: MemoryPressure"])
    assert (kind, text) == (
        "warning",
        "Node Health: 1 issue(s) on nodes running console pods:\n  node-2: MemoryPressure",
    )


def test_console_nodes_are_the_pods_nodes_sorted_and_once() -> None:
    pods = [pod("a", node="node-2"), pod("b", node="node-1"), pod("c", node="node-2"), pod("d")]
    assert workloads.console_nodes(pods) == ["node-1", "node-2"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", Decimal("0.25")),
        ("4", Decimal(4)),
        ("1500Mi", Decimal(1500 * 2**20)),
        ("12345n", Decimal("0.000012345")),
        ("1e3", Decimal(1000)),
        ("x", None),
        ("5Q", None),
    ],
)
def test_kubernetes_quantities_are_parsed(text: str, value: Decimal | None) -> None:
    assert workloads.parse_quantity(text) == value


def metric(name: str, cpu: str, memory: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "usage": {"cpu": cpu, "memory": memory}}


def test_utilization_of_80_percent_and_up_is_warned() -> None:
    capacities = {
        "node-1": {"cpu": "4", "memory": "16Gi"},
        "node-2": {"cpu": "4", "memory": "16Gi"},
    }
    lines = workloads.node_utilization_lines(
        [
            metric("node-1", "3400m", "4Gi"),
            metric("node-2", "1", "8Gi"),
            metric("other", "4", "16Gi"),
        ],
        capacities,
    )
    assert lines == [
        (
            "warning",
            "Node Utilization: 1 node(s) with >=80% utilization — node-1 (CPU: 85%, Memory: 25%)",
        ),
        (
            "success",
            "Node Utilization per-node:\n  node-1: CPU 85%, Memory 25%\n  node-2: CPU 25%, Memory 50%",
        ),
    ]


def test_utilization_below_80_percent_is_a_success() -> None:
    lines = workloads.node_utilization_lines(
        [metric("node-1", "500000000n", "1Gi")], {"node-1": {"cpu": "4", "memory": "16Gi"}}
    )
    assert lines[0] == (
        "success",
        "Node Utilization: all console-pod nodes below 80% CPU and Memory utilization",
    )
    assert lines[1][1].endswith("node-1: CPU 13%, Memory 6%")


def test_no_metrics_for_the_console_nodes_is_a_warning() -> None:
    assert workloads.node_utilization_lines([metric("other", "1", "1Gi")], {"node-1": {}}) == [
        ("warning", "Node Utilization: no metrics available for console-pod nodes")
    ]


def test_the_first_running_pod_is_chosen() -> None:
    pods = [pod("a", "Pending"), pod("b", "Running"), pod("c", "Running")]
    assert workloads.first_running_pod(pods) == pods[1]
    assert workloads.first_running_pod([pod("a", "Failed")]) is None


# --- load balancers ----------------------------------------------------------------------------


def target(target_id: str, port: int, state: str, reason: str = "") -> TargetHealth:
    return TargetHealth(
        target_group_arn=f"arn:tg/{port}",
        target_id=target_id,
        port=port,
        state=state,
        reason=reason,
    )


def instance(instance_id: str, state: str, description: str = "") -> ClassicInstanceHealth:
    return ClassicInstanceHealth(instance_id=instance_id, state=state, description=description)


def rule(
    protocol: str,
    from_port: int | None = None,
    to_port: int | None = None,
    cidrs: tuple[str, ...] = (),
) -> SecurityGroupRule:
    return SecurityGroupRule(
        protocol=protocol, from_port=from_port, to_port=to_port, cidr_blocks=list(cidrs)
    )


def nlb_controller(where: str = "spec", lb: str = "NLB") -> dict[str, Any]:
    strategy = {"loadBalancer": {"providerParameters": {"type": "AWS", "aws": {"type": lb}}}}
    return {where: {"endpointPublishingStrategy": strategy}}


@pytest.mark.parametrize(
    ("controller", "kind"),
    [
        (nlb_controller(), "NLB"),
        (nlb_controller(lb="Classic"), "Classic"),
        (ingress_controller(None), "Classic"),
        (nlb_controller("status"), "NLB"),
    ],
)
def test_the_load_balancer_type_comes_from_the_ingress_controller(
    controller: dict[str, Any], kind: str
) -> None:
    assert loadbalancers.lb_type(controller) == kind


def test_the_router_hostname_is_the_first_ingress_hostname() -> None:
    service = {"status": {"loadBalancer": {"ingress": [{"hostname": "a.elb.amazonaws.com"}]}}}
    assert loadbalancers.router_hostname(service) == "a.elb.amazonaws.com"
    assert loadbalancers.router_hostname({"status": {"loadBalancer": {}}}) == ""


def test_nlb_groups_with_a_healthy_target_are_healthy() -> None:
    kind, text = loadbalancers.nlb_health_line(
        "test-nlb",
        [
            target("i-001", 443, "healthy"),
            target("i-002", 443, "unhealthy", "Target.FailedHealthChecks"),
            target("i-001", 80, "healthy"),
        ],
    )
    assert kind == "success"
    assert text == (
        "LB Health: NLB test-nlb — all target groups have healthy targets "
        "(port 80: 1/1 healthy, port 443: 1/2 healthy)"
    )


def test_an_nlb_group_with_no_healthy_target_is_warned() -> None:
    kind, text = loadbalancers.nlb_health_line(
        "test-nlb",
        [
            target("i-001", 443, "unhealthy", "Target.FailedHealthChecks"),
            target("i-002", 443, "unhealthy", "Target.FailedHealthChecks"),
        ],
    )
    assert kind == "warning"
    assert text == (
        "LB Health: NLB test-nlb — 1 target group(s) with no healthy targets:\n  port 443: 0/2 "
        "healthy — i-001: unhealthy — Target.FailedHealthChecks, i-002: unhealthy — "
        "Target.FailedHealthChecks"
    )


def test_target_instances_are_each_named_once() -> None:
    targets = [
        target("i-1", 443, "healthy"),
        target("i-1", 80, "healthy"),
        target("", 1, "x"),
    ]
    assert loadbalancers.target_instances(targets) == ["i-1"]


@pytest.mark.parametrize(
    ("instances", "kind", "says"),
    [
        (
            [instance("i-001", "InService"), instance("i-002", "InService")],
            "success",
            "all 2 instance(s) InService",
        ),
        (
            [
                instance("i-001", "InService"),
                instance("i-002", "OutOfService", "Instance has failed health checks"),
            ],
            "warning",
            "1/2 instance(s) not InService:\n  i-002: OutOfService — Instance has failed health checks",
        ),
    ],
)
def test_clb_instances_must_be_in_service(
    instances: list[ClassicInstanceHealth], kind: str, says: str
) -> None:
    line_kind, text = loadbalancers.clb_health_line("test-clb", instances)
    assert line_kind == kind
    assert says in text


TCP_443_ANYWHERE = rule("tcp", 443, 443, ("0.0.0.0/0",))
NODE_PORTS_ANYWHERE = rule("tcp", 30000, 32767, ("0.0.0.0/0",))


@pytest.mark.parametrize(
    ("rules", "ports", "machine", "allowed"),
    [
        ([TCP_443_ANYWHERE], (443, 443), "10.0.0.0/16", True),
        ([rule("tcp", 443, 443, ("10.0.0.0/8",))], (443, 443), "10.0.0.0/16", True),
        ([rule("tcp", 80, 80, ("0.0.0.0/0",))], (443, 443), "10.0.0.0/16", False),
        ([], (443, 443), "10.0.0.0/16", False),
        ([rule("-1", cidrs=("0.0.0.0/0",))], (443, 443), "10.0.0.0/16", True),
        ([rule("tcp", 30000, 32767, ("10.0.0.0/8",))], (30000, 32767), "", True),
        ([rule("udp", 443, 443, ("0.0.0.0/0",))], (443, 443), "10.0.0.0/16", False),
        ([rule("tcp", 22, 22, ("0.0.0.0/0",))], (30000, 32767), "", False),
        ([rule("tcp", None, None, ("0.0.0.0/0",))], (443, 443), "", False),
    ],
)
def test_security_groups_must_let_tcp_in_on_the_whole_range(
    rules: list[SecurityGroupRule], ports: tuple[int, int], machine: str, allowed: bool
) -> None:
    assert loadbalancers.sg_allows_tcp_inbound(rules, *ports, machine) is allowed


def test_the_security_lines_name_what_must_be_allowed() -> None:
    assert loadbalancers.nlb_node_security_line([NODE_PORTS_ANYWHERE])[0] == "success"
    assert (
        "do not allow TCP traffic on NodePort range" in loadbalancers.nlb_node_security_line([])[1]
    )
    assert loadbalancers.clb_security_line("c", [TCP_443_ANYWHERE], "10.0.0.0/16") == (
        "success",
        "LB Security: CLB c security group allows TCP 443 inbound",
    )
    assert loadbalancers.clb_security_line("c", [], "10.0.0.0/16")[1] == (
        "LB Security: CLB c security group does not allow TCP 443 inbound from 0.0.0.0/0 or "
        "machine CIDR 10.0.0.0/16"
    )


def test_every_command_it_runs_in_a_pod_is_on_the_read_only_allowlist() -> None:
    url = "https://console-openshift-console.apps.my-cluster.example.openshiftapps.com"
    for command in (
        probe.probe_command(url),
        probe.history_command(url, NOW),
        probe.CONSOLE_SERVICE_COMMAND,
    ):
        assert refusal(command) is None, command
