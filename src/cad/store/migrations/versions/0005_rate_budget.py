"""Shared rate budgets: one GCRA bucket per API and key (its theoretical arrival time, in
epoch seconds of the database's clock).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "rate_budget",
        sa.Column("api", sa.String(30), primary_key=True),
        sa.Column("bucket_key", sa.String(100), primary_key=True),
        sa.Column("tat", sa.Float(precision=53), nullable=False),
        sa.Column("asked_at", sa.Float(precision=53), nullable=False),
        sa.Column("granted_at", sa.Float(precision=53), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_budget")
