"""The report: outcomes, JSON, and the table people read."""

from __future__ import annotations

from rich.console import Console

from cad.actions import limited_support, note, silence
from cad.executor import ExecutionReport, Executor, Outcome
from cad.executor.render import report_table
from cad.testing import FakeOcm, permanent

from .conftest import ContextFactory


def test_the_report_round_trips_through_json_and_renders_as_a_table(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    ocm.fail("post_limited_support_reason", permanent(403, "ocm"))
    report = executor.execute([limited_support("LS", "d"), note("n"), silence("s")], context())
    back = ExecutionReport.model_validate_json(report.to_json())
    assert back == report
    assert back.failures[0].type == "limited_support"
    assert back.failures[0].error is not None
    assert "HTTP 403" in back.failures[0].error
    console = Console(record=True, width=160)
    console.print(report_table(report))
    text = console.export_text()
    for outcome in (Outcome.FAILED, Outcome.SUCCEEDED, Outcome.REPLACED):
        assert outcome.value in text
    assert "chgm: failed" in text
