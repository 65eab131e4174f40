"""Logging never shows a secret."""

from __future__ import annotations

import pytest
import structlog

from cad.logging import REDACTED, configure_logging


def test_secret_values_and_secret_named_keys_are_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", secrets=["s3cr3t-pd-token-value"])
    log = structlog.get_logger("test")
    log.info("calling pagerduty", header="Token token=s3cr3t-pd-token-value", token="abc123")
    out = capsys.readouterr().err
    assert "s3cr3t-pd-token-value" not in out
    assert "abc123" not in out
    assert REDACTED in out


def test_bound_context_appears_in_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", fmt="json")
    with structlog.contextvars.bound_contextvars(incident="Q1", cluster="c1"):
        structlog.get_logger("t").info("hello", investigation="chgm", action="service_log")
    out = capsys.readouterr().err
    for fragment in ('"incident": "Q1"', '"cluster": "c1"', '"investigation": "chgm"'):
        assert fragment in out
