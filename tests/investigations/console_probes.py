"""The original's blackbox probe answers and Prometheus histories (its test data)."""

from __future__ import annotations

SUCCESSFUL = """\
Logs for the probe:
ts=2024-01-01T00:00:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Beginning probe"
ts=2024-01-01T00:00:00.001Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolving target address" ip_protocol=ip4
ts=2024-01-01T00:00:00.002Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolved target address" ip=10.0.1.50
ts=2024-01-01T00:00:00.003Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Making HTTP request" url=https://10.0.1.50 host=console-openshift-console.apps.test.example.com
ts=2024-01-01T00:00:00.200Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Received HTTP response" status_code=200
ts=2024-01-01T00:00:00.201Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Probe succeeded" duration_seconds=0.198

Metrics that would have been returned:
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 1
# HELP probe_http_status_code Response HTTP status code
# TYPE probe_http_status_code gauge
probe_http_status_code 200
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.198
"""

DNS_FAILURE = """\
Logs for the probe:
ts=2024-01-01T00:00:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Beginning probe"
ts=2024-01-01T00:00:00.001Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolving target address" ip_protocol=ip4
ts=2024-01-01T00:00:00.002Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=error msg="Resolution failed" err="lookup console-openshift-console.apps.test.example.com: no such host"
ts=2024-01-01T00:00:00.002Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Probe failed" duration_seconds=0.001

Metrics that would have been returned:
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 0
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.001
"""

TIMEOUT = """\
Logs for the probe:
ts=2024-01-01T00:00:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Beginning probe"
ts=2024-01-01T00:00:00.001Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolving target address" ip_protocol=ip4
ts=2024-01-01T00:00:00.002Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolved target address" ip=10.0.1.50
ts=2024-01-01T00:02:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=error msg="Error making HTTP request" err="Get \\"https://10.0.1.50\\": context deadline exceeded"
ts=2024-01-01T00:02:00.001Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Probe failed" duration_seconds=119.999

Metrics that would have been returned:
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 0
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 119.999
"""

TLS_ERROR = """\
Logs for the probe:
ts=2024-01-01T00:00:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Beginning probe"
ts=2024-01-01T00:00:00.001Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolving target address" ip_protocol=ip4
ts=2024-01-01T00:00:00.002Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolved target address" ip=10.0.1.50
ts=2024-01-01T00:00:00.100Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=error msg="Error making HTTP request" err="Get \\"https://10.0.1.50\\": x509: certificate signed by unknown authority"
ts=2024-01-01T00:00:00.101Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Probe failed" duration_seconds=0.099

Metrics that would have been returned:
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 0
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.099
"""

CONNECTION_REFUSED = """\
Logs for the probe:
ts=2024-01-01T00:00:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Beginning probe"
ts=2024-01-01T00:00:00.001Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolving target address" ip_protocol=ip4
ts=2024-01-01T00:00:00.002Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolved target address" ip=10.0.1.50
ts=2024-01-01T00:00:00.003Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=error msg="Error making HTTP request" err="Get \\"https://10.0.1.50\\": dial tcp 10.0.1.50:443: connect: connection refused"
ts=2024-01-01T00:00:00.003Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Probe failed" duration_seconds=0.002

Metrics that would have been returned:
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 0
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.002
"""

SERVER_ERROR = """\
Logs for the probe:
ts=2024-01-01T00:00:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Beginning probe"
ts=2024-01-01T00:00:00.001Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolving target address" ip_protocol=ip4
ts=2024-01-01T00:00:00.002Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Resolved target address" ip=10.0.1.50
ts=2024-01-01T00:00:00.100Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Received HTTP response" status_code=503
ts=2024-01-01T00:00:00.101Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Probe failed" duration_seconds=0.099

Metrics that would have been returned:
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 0
# HELP probe_http_status_code Response HTTP status code
# TYPE probe_http_status_code gauge
probe_http_status_code 503
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.099
"""

UNKNOWN_FAILURE = """\
Logs for the probe:
ts=2024-01-01T00:00:00.000Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Beginning probe"
ts=2024-01-01T00:00:00.100Z caller=handler.go:119 module=http_2xx target=https://console-openshift-console.apps.test.example.com level=debug msg="Probe failed" duration_seconds=0.099

Metrics that would have been returned:
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 0
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.099
"""

ALL_SUCCEEDING_HISTORY = (
    '{"data":{"result":[{"values":[[1700000000,"1"],[1700000060,"1"],[1700000120,"1"]]}]}}'
)
PERSISTENT_FAILURE_HISTORY = (
    '{"data":{"result":[{"values":[[1700000000,"0"],[1700000060,"0"],[1700000120,"0"]]}]}}'
)
INTERMITTENT_FAILURE_HISTORY = '{"data":{"result":[{"values":[[1700000000,"1"],[1700000060,"0"],[1700000120,"1"],[1700000180,"0"]]}]}}'
EMPTY_HISTORY = '{"data":{"result":[]}}'
