"""The blackbox exporter's probe of the console, and its history in Prometheus: what to run
in which pod, and how to read the answers. Pure: the investigation runs the commands."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from cad.investigations.consoleerrorbudgetburn.checks import Line

__all__ = [
    "BLACKBOX_CONTAINER",
    "BLACKBOX_LABELS",
    "BLACKBOX_NAMESPACE",
    "CMO_CONTAINER",
    "CMO_LABELS",
    "CMO_NAMESPACE",
    "CONSOLE_SERVICE_COMMAND",
    "HCP_HISTORY_SKIPPED",
    "ProbeResult",
    "extract_detail",
    "history_command",
    "history_line",
    "parse_probe_response",
    "probe_command",
    "probe_line",
]

BLACKBOX_NAMESPACE = "openshift-route-monitor-operator"
BLACKBOX_LABELS = {"app": "blackbox-exporter"}
BLACKBOX_CONTAINER = "blackbox-exporter"
CMO_NAMESPACE = "openshift-monitoring"
CMO_LABELS = {"app.kubernetes.io/name": "cluster-monitoring-operator"}
CMO_CONTAINER = "cluster-monitoring-operator"

CONSOLE_SERVICE_COMMAND = (
    "curl",
    "-sk",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    "https://console.openshift-console.svc.cluster.local",
)
HCP_HISTORY_SKIPPED = (
    "Probe History: skipped on HCP — probe_success is forwarded to RHOBS, not available in "
    "in-cluster Prometheus"
)
_PROMETHEUS = "https://prometheus-k8s.openshift-monitoring.svc.cluster.local:9091"
_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"  # noqa: S105  # a path


def probe_command(console_url: str) -> tuple[str, ...]:
    """``wget`` of the exporter's debug probe of the console, run in its pod."""
    url = f"http://localhost:9115/probe?target={console_url}&module=http_2xx&debug=true"
    return ("wget", "-qO-", url)


def history_command(console_url: str, now: datetime) -> tuple[str, ...]:
    """``curl`` of Prometheus' ``query_range`` for the console's ``probe_success`` over the
    last hour (step 60s, ending on the minute), with the pod's service-account token, run in
    the monitoring operator's pod. The hostname goes into the regex unescaped: this
    Prometheus' RE2 parser rejects backslash escapes, and a dot matching any character is
    harmless here."""
    hostname = urlsplit(console_url).hostname or ""
    # The window ends on the minute (a step boundary), so one run asks one query.
    end = int(now.timestamp()) // 60 * 60
    start = end - int(timedelta(hours=1).total_seconds())
    params = urlencode(
        {
            "end": str(end),
            "query": f'probe_success{{probe_url=~".*{hostname}.*"}}',
            "start": str(start),
            "step": "60",
        }
    )
    url = f"{_PROMETHEUS}/api/v1/query_range?{params}"
    curl = f"curl -sk -H \"Authorization: Bearer $(cat {_TOKEN})\" '{url}'"
    return ("sh", "-c", curl)


@dataclass(frozen=True)
class ProbeResult:
    """The probe's verdict. ``failure_mode``: dns, timeout, tls, connection_refused,
    server_error or unknown ("" when it succeeded)."""

    success: bool = False
    http_status: int = 0
    failure_mode: str = ""
    failure_detail: str = ""
    duration: float = 0.0


_SUCCESS = re.compile(r"probe_success\s+([01])")
_STATUS = re.compile(r"probe_http_status_code\s+(\d+)")
_DURATION = re.compile(r"probe_duration_seconds\s+([\d.]+)")
_SEPARATOR = "Metrics that would have been returned:"
_PATTERNS = (
    (("no such host", "server misbehaving"), "dns"),
    (("context deadline exceeded", "i/o timeout"), "timeout"),
    (("x509", "certificate"), "tls"),
    (("connection refused",), "connection_refused"),
)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def parse_probe_response(body: str) -> ProbeResult:
    """Read the debug probe's answer: the metrics after the separator, and the failure mode
    from the first log needle found (else a 5xx status, else unknown)."""
    logs, _, metrics = body.partition(_SEPARATOR)
    success = bool((m := _SUCCESS.search(metrics)) and m.group(1) == "1")
    status = int(m.group(1)) if (m := _STATUS.search(metrics)) else 0
    duration = _float(m.group(1)) if (m := _DURATION.search(metrics)) else 0.0
    result = ProbeResult(success=success, http_status=status, duration=duration)
    if success:
        return result
    lowered = logs.lower()
    for needles, mode in _PATTERNS:
        for needle in needles:
            if needle in lowered:
                return _failed(result, mode, extract_detail(logs, needle))
    if 500 <= status < 600:
        return _failed(result, "server_error", f"HTTP {status}")
    return _failed(result, "unknown", "probe failed with no recognized error pattern")


def _failed(result: ProbeResult, mode: str, detail: str) -> ProbeResult:
    return ProbeResult(
        success=False,
        http_status=result.http_status,
        failure_mode=mode,
        failure_detail=detail,
        duration=result.duration,
    )


def _clip(text: str) -> str:
    return text[:200] + "..." if len(text) > 200 else text


def extract_detail(logs: str, needle: str) -> str:
    """The first log line with the needle: from its ``err=`` (else ``msg=``) on, or the whole
    line, at most 200 characters; the needle itself when no line has it."""
    for line in logs.split("\n"):
        if needle.lower() in line.lower():
            line = line.strip()
            for prefix in ("err=", "msg="):
                index = line.find(prefix)
                if index >= 0:
                    return _clip(line[index:])
            return _clip(line)
    return needle


def probe_line(console_url: str, result: ProbeResult) -> Line:
    """The probe's note line."""
    if result.success:
        return (
            "success",
            f"Blackbox Probe: probe succeeded (HTTP {result.http_status}, "
            f"{result.duration:.2f}s) for {console_url}",
        )
    return (
        "warning",
        f"Blackbox Probe: probe FAILED for {console_url} — failure mode: "
        f"{result.failure_mode} — {result.failure_detail}",
    )


def history_line(output: str) -> Line:
    """Prometheus' ``query_range`` answer: consistently failing, intermittently failing,
    or succeeding for every data point of the hour."""
    try:
        answer = json.loads(output)
        results = answer.get("data", {}).get("result") or []
        values = results[0].get("values") or [] if results else []
    except (ValueError, AttributeError, TypeError) as exc:
        return "warning", f"Probe History: failed to parse Prometheus response — {exc}"
    if not isinstance(values, list) or not values:
        return (
            "warning",
            "Probe History: no probe_success data found in Prometheus for the past 1 hour",
        )
    total = len(values)
    failures = sum(1 for v in values if isinstance(v, list) and len(v) >= 2 and v[1] == "0")
    if failures == 0:
        return (
            "success",
            f"Probe History: probe has been succeeding for all {total} data points in the past "
            "1 hour — failure may be intermittent or already resolved",
        )
    if failures == total:
        return (
            "warning",
            "Probe History: probe has been consistently failing — all "
            f"{total} data points in the past 1 hour show failure",
        )
    return (
        "warning",
        f"Probe History: probe is intermittently failing — {failures}/{total} data points "
        "failed in the past 1 hour",
    )
