"""The fleet safety valve: a global budget for customer-facing writes.

A bad release must not put the fleet into limited support. Every action of a type with a
``budget`` (limited-support reasons, service logs) takes one unit of its hourly budget
before it is applied; past the budget the executor withholds the action as it would in the
informing stage (the note says what would have been done, the incident is escalated and not
silenced).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from cad.actions.base import action_classes

__all__ = ["BudgetLimits", "InMemoryBudget", "WriteBudget", "hour_window"]


@dataclass(frozen=True)
class BudgetLimits:
    """How many of each customer-facing write the whole fleet may make per clock hour."""

    limited_support_per_hour: int = 20
    service_logs_per_hour: int = 100

    def __post_init__(self) -> None:
        for name, value in self.per_type().items():
            if value < 0:
                raise ValueError(f"the {name} budget must be 0 or more, got {value}")

    def per_type(self) -> Mapping[str, int]:
        """The limit for each budgeted action type (each names its field in ``budget``)."""
        return {
            cls.type_string(): int(getattr(self, cls.budget))
            for cls in action_classes()
            if cls.budget is not None
        }


class WriteBudget(Protocol):
    """Shared by every worker: grants or refuses one customer-facing write."""

    limits: BudgetLimits

    def take(self, action_type: str) -> bool:
        """Take one unit for ``action_type`` in the current hour; ``False`` when exhausted."""
        ...


def hour_window(at: datetime) -> datetime:
    """The clock hour ``at`` falls in (UTC): budgets reset on the hour."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class InMemoryBudget:
    """A budget for one process (tests, one-shot runs); the service uses the store's."""

    def __init__(
        self, limits: BudgetLimits, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.limits = limits
        self._now = now
        self._used: dict[tuple[str, datetime], int] = {}
        self._lock = threading.Lock()

    def take(self, action_type: str) -> bool:
        limit = self.limits.per_type().get(action_type)
        if limit is None:
            return True
        slot = (action_type, hour_window(self._now()))
        with self._lock:
            if self._used.get(slot, 0) >= limit:
                return False
            self._used[slot] = self._used.get(slot, 0) + 1
            return True
