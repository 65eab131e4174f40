"""Executor hooks: metrics, the idempotency ledger and logging hang here, not on type switches.

Subclass :class:`ExecutorHooks` and override what you need; every method is a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence

from cad.actions.base import Action
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.report import ActionRecord, ExecutionReport

__all__ = ["ExecutorHooks", "HookChain"]


class ExecutorHooks:
    """Base class of executor hooks; each method is called at one point of an execution."""

    def execution_started(
        self, ctx: ExecutionContext, options: ExecutionOptions, actions: Sequence[Action]
    ) -> None:
        """Called once per execution, after validation and planning, before any action runs."""

    def skip_reason(self, ctx: ExecutionContext, action: Action, key: str) -> str | None:
        """Called before an action is applied; return a reason to skip it, else ``None``."""
        return None

    def attempt_started(self, ctx: ExecutionContext, action: Action, attempt: int) -> None:
        """Called before each attempt to apply an action (1 for the first)."""

    def recall(self, ctx: ExecutionContext, action_type: str, name: str) -> str | None:
        """Called when an action needs a fact recorded with an earlier effect of
        ``action_type`` in this scope (the policy a silence replaced); ``None`` if unknown."""
        return None

    def action_finished(
        self,
        ctx: ExecutionContext,
        options: ExecutionOptions,
        action: Action,
        key: str,
        record: ActionRecord,
    ) -> None:
        """Called when an action reached its outcome, whatever it is."""

    def execution_finished(
        self, ctx: ExecutionContext, options: ExecutionOptions, report: ExecutionReport
    ) -> None:
        """Called once the report is complete."""


class HookChain(ExecutorHooks):
    """Several hooks called in order; the first skip reason (and recalled fact) wins."""

    def __init__(self, hooks: Sequence[ExecutorHooks]) -> None:
        self.hooks = list(hooks)

    def execution_started(
        self, ctx: ExecutionContext, options: ExecutionOptions, actions: Sequence[Action]
    ) -> None:
        for hook in self.hooks:
            hook.execution_started(ctx, options, actions)

    def skip_reason(self, ctx: ExecutionContext, action: Action, key: str) -> str | None:
        for hook in self.hooks:
            reason = hook.skip_reason(ctx, action, key)
            if reason:
                return reason
        return None

    def attempt_started(self, ctx: ExecutionContext, action: Action, attempt: int) -> None:
        for hook in self.hooks:
            hook.attempt_started(ctx, action, attempt)

    def recall(self, ctx: ExecutionContext, action_type: str, name: str) -> str | None:
        for hook in self.hooks:
            value = hook.recall(ctx, action_type, name)
            if value is not None:
                return value
        return None

    def action_finished(
        self,
        ctx: ExecutionContext,
        options: ExecutionOptions,
        action: Action,
        key: str,
        record: ActionRecord,
    ) -> None:
        for hook in self.hooks:
            hook.action_finished(ctx, options, action, key, record)

    def execution_finished(
        self, ctx: ExecutionContext, options: ExecutionOptions, report: ExecutionReport
    ) -> None:
        for hook in self.hooks:
            hook.execution_finished(ctx, options, report)
