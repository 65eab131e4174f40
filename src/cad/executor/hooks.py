"""Executor hooks: metrics, the idempotency ledger and logging hang here, not on type switches.

Subclass :class:`ExecutorHooks` and override what you need; every method is a no-op. Two
kinds of method:

* **observers** (``execution_started``, ``attempt_started``, ``action_finished``,
  ``execution_finished``) watch. A failing observer is logged and counted, never stops an
  execution: a broken metric must not cost an escalation.
* **the ledger's** (``skip_reason``, ``effect_applied``, ``recall``) steer. Their failures
  reach the engine, which turns them into failed steps (or, for escalations and idempotent
  actions, a reported warning) that the plan reacts to.

"Before" observers run in the order the hooks were given; "after" observers
(``action_finished``, ``execution_finished``) in reverse, like nested context managers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog

from cad.actions.base import Action
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.report import ActionRecord, ExecutionReport

__all__ = ["ActionFinished", "ExecutorHooks", "HookChain"]


@dataclass(frozen=True)
class ActionFinished:
    """What a hook learns when an action reached its outcome."""

    ctx: ExecutionContext
    options: ExecutionOptions
    action: Action
    key: str
    """The action's dedupe key (empty when it never ran: dry run, dropped, replaced)."""
    record: ActionRecord


class ExecutorHooks:
    """Base class of executor hooks; each method is called at one point of an execution."""

    def execution_started(
        self, ctx: ExecutionContext, options: ExecutionOptions, actions: Sequence[Action]
    ) -> None:
        """Called once per execution, after validation and planning, before any action runs."""

    def skip_reason(self, ctx: ExecutionContext, action: Action, key: str) -> str | None:
        """Called before an action is applied; return a reason to skip it, else ``None``.
        Raising means "could not check" (the engine decides what the action may do)."""
        return None

    def attempt_started(self, ctx: ExecutionContext, action: Action, attempt: int) -> None:
        """Called before each attempt to apply an action (1 for the first)."""

    def recall(self, ctx: ExecutionContext, action_type: str, name: str) -> str | None:
        """Called when an action needs a fact recorded with an earlier effect of
        ``action_type`` in this scope (the policy a silence replaced); ``None`` if unknown."""
        return None

    def effect_applied(self, event: ActionFinished) -> None:
        """Called when an effect landed (before ``action_finished``), to record it. Raising
        means "could not record" (the engine decides what that costs the action)."""

    def action_finished(self, event: ActionFinished) -> None:
        """Called when an action reached its outcome, whatever it is."""

    def execution_finished(
        self, ctx: ExecutionContext, options: ExecutionOptions, report: ExecutionReport
    ) -> None:
        """Called once the report is complete."""


HookFailureCounter = Callable[[str, str], None]
"""``count(hook_name, method)``: called once per observer failure."""


class HookChain(ExecutorHooks):
    """Several hooks: the first skip reason (and recalled fact) wins; observers are isolated."""

    def __init__(
        self, hooks: Sequence[ExecutorHooks], on_failure: HookFailureCounter | None = None
    ) -> None:
        self.hooks = list(hooks)
        self._on_failure = on_failure
        self._log = structlog.get_logger("cad.executor")

    def _observe(self, method: str, call: Callable[[ExecutorHooks], None], *, after: bool) -> None:
        for hook in reversed(self.hooks) if after else self.hooks:
            try:
                call(hook)
            except Exception as exc:  # an observer never stops an execution
                name = type(hook).__name__
                self._log.error("executor hook failed", hook=name, method=method, error=repr(exc))
                if self._on_failure is not None:
                    self._on_failure(name, method)

    def execution_started(
        self, ctx: ExecutionContext, options: ExecutionOptions, actions: Sequence[Action]
    ) -> None:
        self._observe(
            "execution_started",
            lambda h: h.execution_started(ctx, options, actions),
            after=False,
        )

    def skip_reason(self, ctx: ExecutionContext, action: Action, key: str) -> str | None:
        for hook in self.hooks:
            reason = hook.skip_reason(ctx, action, key)
            if reason:
                return reason
        return None

    def attempt_started(self, ctx: ExecutionContext, action: Action, attempt: int) -> None:
        self._observe(
            "attempt_started", lambda h: h.attempt_started(ctx, action, attempt), after=False
        )

    def recall(self, ctx: ExecutionContext, action_type: str, name: str) -> str | None:
        for hook in self.hooks:
            value = hook.recall(ctx, action_type, name)
            if value is not None:
                return value
        return None

    def effect_applied(self, event: ActionFinished) -> None:
        for hook in self.hooks:
            hook.effect_applied(event)

    def action_finished(self, event: ActionFinished) -> None:
        self._observe("action_finished", lambda h: h.action_finished(event), after=True)

    def execution_finished(
        self, ctx: ExecutionContext, options: ExecutionOptions, report: ExecutionReport
    ) -> None:
        self._observe(
            "execution_finished",
            lambda h: h.execution_finished(ctx, options, report),
            after=True,
        )
