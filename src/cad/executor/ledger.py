"""The idempotency ledger: each effect at most once per scope (incident, or manual run)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from cad.actions.base import Action
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.hooks import ExecutorHooks
from cad.executor.report import ActionRecord, Outcome

__all__ = ["AppliedEffect", "IdempotencyLedger", "InMemoryLedger", "LedgerHook"]


@dataclass(frozen=True)
class AppliedEffect:
    """An effect recorded as applied."""

    scope: str
    key: str
    action_type: str
    description: str
    applied_at: datetime


class IdempotencyLedger(Protocol):
    """Remembers which effects were applied in which scope."""

    def applied(self, scope: str, key: str) -> AppliedEffect | None:
        """The recorded effect for ``key`` in ``scope``, or ``None``."""
        ...

    def record(
        self,
        scope: str,
        key: str,
        *,
        action_type: str,
        description: str,
        content: dict[str, object] | None = None,
        attempts: int = 1,
        duration_s: float = 0.0,
    ) -> None:
        """Record that the effect was applied (with the action's content and cost)."""
        ...


class InMemoryLedger:
    """A ledger in process memory (tests, one-shot CLI runs)."""

    def __init__(self) -> None:
        self._effects: dict[tuple[str, str], AppliedEffect] = {}
        self._lock = threading.Lock()

    def applied(self, scope: str, key: str) -> AppliedEffect | None:
        with self._lock:
            return self._effects.get((scope, key))

    def record(
        self,
        scope: str,
        key: str,
        *,
        action_type: str,
        description: str,
        content: dict[str, object] | None = None,
        attempts: int = 1,
        duration_s: float = 0.0,
    ) -> None:
        effect = AppliedEffect(scope, key, action_type, description, datetime.now(UTC))
        with self._lock:
            self._effects.setdefault((scope, key), effect)

    def __len__(self) -> int:
        with self._lock:
            return len(self._effects)


class LedgerHook(ExecutorHooks):
    """Skips effects the ledger has seen in this scope; records real successes."""

    def __init__(self, ledger: IdempotencyLedger) -> None:
        self.ledger = ledger

    def skip_reason(self, ctx: ExecutionContext, action: Action, key: str) -> str | None:
        effect = self.ledger.applied(ctx.ledger_scope(), key)
        if effect is None:
            return None
        kind = ctx.ledger_scope().split(":", 1)[0]
        when = effect.applied_at.isoformat(timespec="seconds")
        return f"already applied in this {kind} at {when}"

    def action_finished(
        self,
        ctx: ExecutionContext,
        options: ExecutionOptions,
        action: Action,
        key: str,
        record: ActionRecord,
    ) -> None:
        if record.outcome is Outcome.SUCCEEDED and not options.dry_run:
            self.ledger.record(
                ctx.ledger_scope(),
                key,
                action_type=record.type,
                description=record.description,
                content=record.content,
                attempts=record.attempts,
                duration_s=record.duration_s,
            )
