"""Tables: deliveries, runs and their actions, the ledger. One schema on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "EVENT_ID_LENGTH",
    "INCIDENT_ID_LENGTH",
    "Base",
    "DeliveryRow",
    "LedgerRow",
    "RunActionRow",
    "RunRow",
]

INCIDENT_ID_LENGTH = 100
"""The longest incident id the store keeps (PostgreSQL refuses longer ones)."""
EVENT_ID_LENGTH = 200
"""The longest webhook id or event id the store keeps."""


class Base(DeclarativeBase):
    """Declarative base of CAD's tables."""


class DeliveryRow(Base):
    """A webhook delivery, stored before it is acknowledged."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str | None] = mapped_column(String(EVENT_ID_LENGTH), unique=True)
    event_id: Mapped[str | None] = mapped_column(String(EVENT_ID_LENGTH), unique=True)
    incident_id: Mapped[str] = mapped_column(String(INCIDENT_ID_LENGTH), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[str] = mapped_column(Text)
    # queued, processing, done, failed, ignored, coalesced
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # A re-run queued by `cadctl rerun` (a webhook's delivery has none of these).
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(200))
    repeat_effects: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RunRow(Base):
    """One run of the controller for a delivery (or a manual request)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int | None] = mapped_column(Integer, index=True)
    incident_id: Mapped[str | None] = mapped_column(String(100), index=True)
    cluster_id: Mapped[str | None] = mapped_column(String(100), index=True)
    cluster_external_id: Mapped[str | None] = mapped_column(String(100), index=True)
    cluster_name: Mapped[str | None] = mapped_column(String(100), index=True)
    # The OCM organization of the cluster's subscription, when the run could read it.
    organization_id: Mapped[str | None] = mapped_column(String(100), index=True)
    alert: Mapped[str | None] = mapped_column(String(300))
    chain: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[str] = mapped_column(String(20), index=True)  # running, succeeded, ...
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    report: Mapped[str | None] = mapped_column(Text)
    # webhook, investigate, run or rerun; who asked and why (a webhook's run: PagerDuty).
    trigger: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(200))
    repeat_effects: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The process of an operator's run (cad.store.runners): its host, pid and identity; a
    # worker's or receiver's run has none (its delivery's lease ends it).
    runner_host: Mapped[str | None] = mapped_column(String(255), index=True)
    runner_pid: Mapped[int | None] = mapped_column(Integer)
    runner_process: Mapped[str | None] = mapped_column(String(200))


class RunActionRow(Base):
    """One action of a finished run, as the run's account reported it: the run history."""

    __tablename__ = "run_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))  # succeeded, failed, skipped, ...
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)


class LedgerRow(Base):
    """An effect applied: the idempotency ledger, one row per (scope, dedupe key)."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    scope: Mapped[str] = mapped_column(String(300))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text, default="{}")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("scope", "dedupe_key", name="uq_ledger_scope_key"),)
