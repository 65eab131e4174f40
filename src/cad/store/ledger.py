"""The durable idempotency ledger: the ``ledger`` table, one row per effect applied
(scope, dedupe key).

The executor asks it before applying an effect and records the effect right after it
succeeded, in the run that applied it, so a crash or a redelivery never repeats it. The
facts an effect learned (the policy a silence replaced) are kept beside it, for a later run
to recall.
"""

from __future__ import annotations

import contextvars
import json
from datetime import UTC, datetime

from sqlalchemy import desc, select
from sqlalchemy.exc import IntegrityError

from cad.executor.ledger import AppliedEffect
from cad.store.db import Store
from cad.store.models import LedgerRow

__all__ = ["DurableLedger", "current_run"]

current_run: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "cad_current_run", default=None
)


class DurableLedger:
    """Implements ``IdempotencyLedger`` on the store's ``ledger`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def applied(self, scope: str, key: str) -> AppliedEffect | None:
        with self.store.session() as session:
            row = session.scalar(
                select(LedgerRow).where(LedgerRow.scope == scope, LedgerRow.dedupe_key == key)
            )
            if row is None:
                return None
            return AppliedEffect(
                scope,
                key,
                row.type,
                row.description,
                row.recorded_at.replace(tzinfo=UTC)
                if row.recorded_at.tzinfo is None
                else row.recorded_at,
            )

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
        try:
            with self.store.session() as session:
                session.add(
                    LedgerRow(
                        run_id=current_run.get(),
                        scope=scope,
                        dedupe_key=key,
                        type=action_type,
                        description=description,
                        content=json.dumps(content or {}, ensure_ascii=False),
                        facts=json.dumps(facts or {}, ensure_ascii=False),
                        attempts=attempts,
                        duration_s=duration_s,
                        recorded_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            return  # recorded already (the same effect applied concurrently): at most once holds

    def recall(self, scope: str, action_type: str, name: str) -> str | None:
        with self.store.session() as session:
            stored = session.scalars(
                select(LedgerRow.facts)
                .where(LedgerRow.scope == scope, LedgerRow.type == action_type)
                .order_by(desc(LedgerRow.recorded_at), desc(LedgerRow.id))
            ).all()
        for text in stored:
            try:
                facts = json.loads(text)
            except ValueError:
                continue
            if isinstance(facts, dict) and isinstance(facts.get(name), str):
                return str(facts[name])
        return None
