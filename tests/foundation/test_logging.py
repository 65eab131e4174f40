"""Logging never shows a secret."""

from __future__ import annotations

import io
import json
import sys
import threading
import time

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


SECRET = "pd-token-0123456789abcdef"


def crash_with_a_secret_in_a_local_variable() -> None:
    pd_token = SECRET  # the frame's local: a renderer showing locals would print it
    raise RuntimeError(f"PagerDuty refused token {pd_token[:2]}... and {pd_token}")


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_a_crash_log_shows_the_traceback_without_locals_and_without_secrets(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given logging that knows a secret, and a crash whose frame holds it in a local variable
    configure_logging("info", fmt=fmt, secrets=[SECRET])
    log = structlog.get_logger(f"crash-{fmt}")
    # When the crash is logged with its traceback
    try:
        crash_with_a_secret_in_a_local_variable()
    except RuntimeError:
        log.exception("run crashed", delivery=7)
    out = capsys.readouterr().err
    # Then the secret appears nowhere: not in a local, not in the exception's message
    assert SECRET not in out
    assert "pd_token = " not in out
    # And the traceback is there, rendered, with the message redacted
    assert "crash_with_a_secret_in_a_local_variable" in out
    assert f"RuntimeError: PagerDuty refused token pd... and {REDACTED}" in out
    if fmt == "json":
        [line] = out.strip().splitlines()
        entry = json.loads(line)
        assert "exc_info" not in entry
        assert entry["exception"].startswith("Traceback (most recent call last):")


def test_lists_and_mappings_stay_structured_and_are_scrubbed_inside(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given JSON logging that knows a secret
    configure_logging("info", fmt="json", secrets=[SECRET])
    # When a line carries a list of mappings, one holding the secret, one a secret-named key
    structlog.get_logger("nested").info(
        "run",
        actions=[{"type": "note", "outcome": "succeeded", "error": f"refused {SECRET}"}],
        chain=[{"investigation": "chgm", "api_token": "abc123"}],
    )
    entry = json.loads(capsys.readouterr().err)
    # Then they are JSON arrays and objects, with the secret cut out of them
    assert entry["actions"] == [
        {"type": "note", "outcome": "succeeded", "error": f"refused {REDACTED}"}
    ]
    assert entry["chain"] == [{"investigation": "chgm", "api_token": REDACTED}]


class SlowStream(io.StringIO):
    """A stream that lets other threads run in the middle of every write, as a pipe to a
    busy log collector does."""

    def write(self, text: str) -> int:
        time.sleep(0.0005)
        return super().write(text)


def test_lines_logged_by_many_threads_at_once_stay_whole_json_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given JSON logs going to a stream that yields to other threads on every write
    stream = SlowStream()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("info", fmt="json")
    log = structlog.get_logger("t")

    def log_lines(thread: int) -> None:
        for line in range(25):
            log.info("action finished", thread=thread, line=line)

    # When eight threads log at once (as the executor's concurrent actions do)
    threads = [threading.Thread(target=log_lines, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then every line is one whole JSON object, and none is lost
    lines = stream.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 200
    assert {(r["thread"], r["line"]) for r in records} == {
        (t, n) for t in range(8) for n in range(25)
    }
