"""Settings are checked at start: a wrong value stops `cadctl` with one line naming the
variable, never a traceback and never a silent default."""

from __future__ import annotations

import pytest

from tests.cli.test_cadctl import CLEAN_ENV, cadctl

INVALID = [
    ({"CAD_WEBHOOK_EVENT_TYPES": "incident.trigered"}, "CAD_WEBHOOK_EVENT_TYPES", "trigered"),
    ({"CAD_WEBHOOK_EVENT_TYPES": ","}, "CAD_WEBHOOK_EVENT_TYPES", "no event type"),
    ({"CAD_LOG_LEVEL": "loud"}, "CAD_LOG_LEVEL", "'debug', 'info', 'warning' or 'error'"),
    ({"CAD_LOG_FORMAT": "xml"}, "CAD_LOG_FORMAT", "'console' or 'json'"),
    ({"CAD_EXECUTOR_DEADLINE_SECONDS": "inf"}, "CAD_EXECUTOR_DEADLINE_SECONDS", "finite"),
    ({"CAD_WORKER_RETRY_WAIT_SECONDS": "1000000"}, "CAD_WORKER_RETRY_WAIT_SECONDS", "60"),
    ({"CAD_CLOUDTRAIL_LOOKBACK_HOURS": "1e309"}, "CAD_CLOUDTRAIL_LOOKBACK_HOURS", "finite"),
    ({"CAD_DATABASE_URL": "not a url"}, "CAD_DATABASE_URL", "not a database URL"),
    ({"CAD_DATABASE_URL": "mysql://cad:pw@db/cad"}, "CAD_DATABASE_URL", "unsupported"),
    ({"CAD_PD_URL": "http://api.pagerduty.com"}, "CAD_PD_URL", "https"),
    ({"CAD_PD_CA_BUNDLE": "/no/such/ca.pem"}, "CAD_PD_CA_BUNDLE", "no such file"),
    ({"CAD_LISTEN_ADDRESS": "everywhere"}, "CAD_LISTEN_ADDRESS", "not an IP address"),
    ({"CAD_METRICS_ADDRESS": "256.0.0.1"}, "CAD_METRICS_ADDRESS", "not an IP address"),
    ({"CAD_PROMETHEUS_PUSHGATEWAY": "ftp://gw"}, "CAD_PROMETHEUS_PUSHGATEWAY", "http"),
    ({"CAD_OCM_URL": "api.openshift.com"}, "CAD_OCM_URL", "URL with a host"),
    ({"CAD_ACM_HCP_MUST_GATHER_IMAGE": ""}, "CAD_ACM_HCP_MUST_GATHER_IMAGE", "empty"),
    (
        {"CAD_ACM_HCP_MUST_GATHER_IMAGE": "quay.io/acm must-gather:v2"},
        "CAD_ACM_HCP_MUST_GATHER_IMAGE",
        "white space",
    ),
    ({"CAD_ACM_HCP_MUST_GATHER_IMAGE": "Quay.io/x:y"}, "CAD_ACM_HCP_MUST_GATHER_IMAGE", "lower"),
    ({"CAD_PD_ESCALATION_LEVEL": "0"}, "CAD_PD_ESCALATION_LEVEL", "greater than or equal to 1"),
]


@pytest.mark.parametrize(("env", "variable", "fragment"), INVALID)
def test_an_invalid_setting_stops_cadctl_with_one_line_naming_the_variable(
    env: dict[str, str], variable: str, fragment: str
) -> None:
    # Given one invalid setting; When any command starts
    done = cadctl("investigations", env={**CLEAN_ENV, **env})
    # Then it stops before doing anything, with one line naming the variable and the problem
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: invalid settings: ")
    assert f"{variable}: " in line
    assert fragment in line
    assert "Traceback" not in done.stderr


def test_a_database_url_with_a_password_is_refused_without_showing_it() -> None:
    done = cadctl(
        "investigations", env={**CLEAN_ENV, "CAD_DATABASE_URL": "mysql://cad:hunter2@db/x"}
    )
    assert done.returncode == 2
    assert "CAD_DATABASE_URL" in done.stderr
    assert "hunter2" not in done.stderr


def test_retries_that_would_leave_an_incident_waiting_for_hours_are_refused() -> None:
    # Given a retry wait that is in range on its own but grows past an hour over the retries
    env = {**CLEAN_ENV, "CAD_WORKER_RETRY_WAIT_SECONDS": "10", "CAD_WORKER_MAX_RETRIES": "4"}
    done = cadctl("investigations", env=env)
    # Then both variables are named
    assert done.returncode == 2
    assert "CAD_WORKER_RETRY_WAIT_SECONDS and CAD_WORKER_MAX_RETRIES" in done.stderr


def test_an_invalid_log_level_option_is_refused_like_the_variable() -> None:
    done = cadctl("investigations", "--log-level", "verbose")
    assert done.returncode == 2
    assert "CAD_LOG_LEVEL" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_original_names_of_settings_are_named_as_given() -> None:
    done = cadctl("investigations", env={**CLEAN_ENV, "LOG_LEVEL": "chatty"})
    assert done.returncode == 2
    assert "LOG_LEVEL: " in done.stderr


def test_the_demo_refuses_an_invalid_log_level_too() -> None:
    done = cadctl("demo", "--log-level", "verbose")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: --log-level (CAD_LOG_LEVEL): unknown log level 'verbose': "
        "debug, info, warning or error"
    )
