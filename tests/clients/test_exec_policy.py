"""The read-only allowlist: the original's commands pass, anything that could write does not."""

from __future__ import annotations

import pytest

from cad.clients.exec_policy import is_read_only, refusal

PROM = (
    "https://prometheus-k8s.openshift-monitoring.svc.cluster.local:9091/api/v1/query_range"
    "?query=probe_success%7Bprobe_url%3D~%22.%2Aconsole.%2A%22%7D&start=1&end=2&step=60"
)


@pytest.mark.parametrize(
    "command",
    [
        ["etcdctl", "endpoint", "health", "--cluster"],
        ["etcdctl", "endpoint", "status", "--cluster", "-w", "json"],
        ["etcdctl", "member", "list", "--write-out=table"],
        ["wget", "-qO-", "http://localhost:9093/api/v2/alerts?active=true"],
        ["wget", "-qO-", "http://localhost:9115/probe?target=https://c.example&module=http_2xx"],
        ["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://console.svc"],
        [
            "sh",
            "-c",
            'curl -sk -H "Authorization: Bearer '
            '$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" '
            f"'{PROM}'",
        ],
    ],
)
def test_the_originals_read_only_commands_are_allowed(command: list[str]) -> None:
    assert refusal(command) is None


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (["etcdctl", "put", "k", "v"], "only 'endpoint health'"),
        (["etcdctl", "endpoint", "health", "--endpoints=x"], "'--endpoints=x' is not allowed"),
        (["wget", "-O", "/etc/passwd", "http://x"], "only 'wget -qO-"),
        (["curl", "-sk", "-o", "/var/lib/out", "https://x"], "'-o' is not allowed"),
        (["curl", "-sk", "--upload-file", "f", "https://x"], "'--upload-file' is not allowed"),
        (["curl", "-sk", "https://x", "https://y"], "exactly one http(s) URL"),
        (["curl", "-sk", "file:///etc/shadow"], "'file:///etc/shadow' is not allowed"),
        (["sh", "-c", "curl -sk 'https://x'; rm -rf /"], "'sh' is not an allowed"),
        (
            [
                "sh",
                "-c",
                'curl -sk -H "Authorization: Bearer '
                '$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" '
                "'https://x/'$(reboot)''",
            ],
            "'sh' is not an allowed",
        ),
        (["bash"], "'bash' is not an allowed"),
        ([], "empty"),
    ],
)
def test_anything_else_is_refused_with_a_reason(command: list[str], reason: str) -> None:
    assert reason in (refusal(command) or "")
    assert not is_read_only(command)
