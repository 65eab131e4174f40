"""The public surface is a test: ``__all__`` cannot drift silently."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "cad.actions": {
        "SEVERITIES", "TITLE_PREFIX", "Action", "ActionTarget", "Amendment", "AnnotateObject",
        "BackplaneReport", "CollectMustGather", "EffectMetric", "EscalateIncident", "EtcdSnapshot",
        "JobFailedError", "Lane", "LimitedSupport", "MoveToOrgPolicy", "NoteWriter",
        "PagerDutyNote", "RunJob", "ServiceLog", "SftpUpload", "SilenceIncident",
        "TargetUnavailableError",
        "TitleUpdate", "action_class", "action_classes", "action_from_dict", "action_from_json", "action_to_dict",
        "action_to_json", "actions_from_json", "actions_to_json", "escalate",
        "limited_support", "note", "note_and_report_from", "note_from", "service_log",
        "silence", "title_prefix",
    },
    "cad.executor": {
        "HELD_BACK", "INFRA_DETECTED_NOTE", "INFRA_UNKNOWN_NOTE", "ActionFinished", "ActionRecord", "AppliedEffect",
        "Deadline", "ExecutionContext", "ExecutionOptions", "ExecutionReport", "Executor",
        "ExecutorHooks", "ExecutorMetrics", "HookChain", "IdempotencyLedger", "InMemoryLedger",
        "LedgerHook", "LoggingHook", "MetricsHook", "Outcome", "RetryPolicy", "WriteClients",
        "is_transient", "validate_actions",
    },
}  # fmt: skip


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_exported_members_are_exactly_the_documented_ones(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == PUBLIC[module]
    for name in mod.__all__:
        assert hasattr(mod, name), name
