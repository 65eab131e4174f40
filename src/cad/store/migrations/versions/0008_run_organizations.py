"""The organization of each run's cluster: ``runs`` gain ``organization_id`` (the OCM
organization its subscription belonged to when the run looked), which the web UI's runs list
and ``cadctl history --organization`` filter on. Runs recorded before have none.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("organization_id", sa.String(100)))
    op.create_index("ix_runs_organization_id", "runs", ["organization_id"])


def downgrade() -> None:
    op.drop_index("ix_runs_organization_id", table_name="runs")
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("organization_id")
