"""Deliveries, runs and action records.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.String(200), unique=True),
        sa.Column("event_id", sa.String(200), unique=True),
        sa.Column("incident_id", sa.String(100), nullable=False, index=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("run_id", sa.Integer),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.Integer, index=True),
        sa.Column("incident_id", sa.String(100), index=True),
        sa.Column("cluster_id", sa.String(100), index=True),
        sa.Column("alert", sa.String(300)),
        sa.Column("chain", sa.Text, nullable=False, server_default="[]"),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
        sa.Column("report", sa.Text),
    )
    op.create_table(
        "action_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), index=True),
        sa.Column("scope", sa.String(300), nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration_s", sa.Float, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_action_records_applied",
        "action_records",
        ["scope", "dedupe_key"],
        unique=True,
        sqlite_where=sa.text("outcome = 'succeeded'"),
        postgresql_where=sa.text("outcome = 'succeeded'"),
    )


def downgrade() -> None:
    op.drop_index("ix_action_records_applied", table_name="action_records")
    op.drop_table("action_records")
    op.drop_table("runs")
    op.drop_table("deliveries")
