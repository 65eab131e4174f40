"""The idempotency ledger: each effect at most once per scope (incident, or manual run)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from cad.actions.base import Action
from cad.executor.context import ExecutionContext
from cad.executor.hooks import ActionFinished, ExecutorHooks

__all__ = ["AppliedEffect", "IdempotencyLedger", "InMemoryLedger", "LedgerHook"]


@dataclass(frozen=True)
class AppliedEffect:
    """An effect recorded as applied."""

    scope: str
    key: str
    action_type: str
    description: str
    applied_at: datetime
    facts: dict[str, str] = field(default_factory=dict)


class IdempotencyLedger(Protocol):
    """Remembers which effects were applied in which scope, and what an effect learned that
    a later one needs (the policy a silence replaced, for the escalation that undoes it)."""

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
        facts: dict[str, str] | None = None,
    ) -> None:
        """Record that the effect was applied (with the action's content, cost and facts)."""
        ...

    def recall(self, scope: str, action_type: str, name: str) -> str | None:
        """The fact ``name`` recorded with the latest applied effect of ``action_type`` in
        ``scope`` that has it, or ``None``."""
        ...


class InMemoryLedger:
    """A ledger in process memory (tests, one-shot CLI runs)."""

    def __init__(self) -> None:
        self._effects: dict[tuple[str, str], AppliedEffect] = {}
        self._order: list[AppliedEffect] = []
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
        facts: dict[str, str] | None = None,
    ) -> None:
        effect = AppliedEffect(
            scope, key, action_type, description, datetime.now(UTC), dict(facts or {})
        )
        with self._lock:
            self._effects.setdefault((scope, key), effect)
            self._order.append(effect)

    def recall(self, scope: str, action_type: str, name: str) -> str | None:
        with self._lock:
            for effect in reversed(self._order):
                same = effect.scope == scope and effect.action_type == action_type
                if same and name in effect.facts:
                    return effect.facts[name]
        return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._effects)


class LedgerHook(ExecutorHooks):
    """Skips effects the ledger has seen in this scope; records the effects that landed and
    their facts; recalls facts for later actions. Its failures reach the engine."""

    def __init__(self, ledger: IdempotencyLedger) -> None:
        self.ledger = ledger

    def skip_reason(self, ctx: ExecutionContext, action: Action, key: str) -> str | None:
        effect = self.ledger.applied(ctx.ledger_scope(), key)
        if effect is None:
            return None
        kind = ctx.ledger_scope().split(":", 1)[0]
        when = effect.applied_at.isoformat(timespec="seconds")
        return f"already applied in this {kind} at {when}"

    def recall(self, ctx: ExecutionContext, action_type: str, name: str) -> str | None:
        return self.ledger.recall(ctx.ledger_scope(), action_type, name)

    def effect_applied(self, event: ActionFinished) -> None:
        record = event.record
        self.ledger.record(
            event.ctx.ledger_scope(),
            event.key,
            action_type=record.type,
            description=record.description,
            content=record.content,
            attempts=record.attempts,
            duration_s=record.duration_s,
            facts=record.facts or None,
        )
