"""The executor: the only part of CAD that writes to OCM, PagerDuty and backplane."""

from cad.errors import is_transient
from cad.executor.context import ExecutionContext, ExecutionOptions, WriteClients
from cad.executor.engine import HELD_BACK, Executor, validate_actions
from cad.executor.hooks import ActionFinished, ExecutorHooks, HookChain
from cad.executor.ledger import AppliedEffect, IdempotencyLedger, InMemoryLedger, LedgerHook
from cad.executor.logs import LoggingHook
from cad.executor.metrics import ExecutorMetrics, MetricsHook
from cad.executor.plan import INFRA_DETECTED_NOTE, INFRA_UNKNOWN_NOTE
from cad.executor.report import ActionRecord, ExecutionReport, Outcome
from cad.retry import Deadline, RetryPolicy

__all__ = [
    "HELD_BACK",
    "INFRA_DETECTED_NOTE",
    "INFRA_UNKNOWN_NOTE",
    "ActionFinished",
    "ActionRecord",
    "AppliedEffect",
    "Deadline",
    "ExecutionContext",
    "ExecutionOptions",
    "ExecutionReport",
    "Executor",
    "ExecutorHooks",
    "ExecutorMetrics",
    "HookChain",
    "IdempotencyLedger",
    "InMemoryLedger",
    "LedgerHook",
    "LoggingHook",
    "MetricsHook",
    "Outcome",
    "RetryPolicy",
    "WriteClients",
    "is_transient",
    "validate_actions",
]
