"""Who asked for a run and why: ``runs`` gain ``trigger`` (webhook, investigate, run,
rerun), ``reason``, ``requested_by`` and ``repeat_effects``, and the cluster's external id
and name (``cadctl history --cluster`` takes any of the three); ``deliveries`` gain the
``reason``, ``requested_by`` and ``repeat_effects`` of a re-run queued by ``cadctl rerun``
(a webhook's delivery has none).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def _asked() -> list[sa.Column[object]]:
    return [
        sa.Column("reason", sa.Text),
        sa.Column("requested_by", sa.String(200)),
        sa.Column("repeat_effects", sa.Boolean, nullable=False, server_default=sa.false()),
    ]


def upgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("trigger", sa.String(20)))
        runs.add_column(sa.Column("cluster_external_id", sa.String(100)))
        runs.add_column(sa.Column("cluster_name", sa.String(100)))
        for column in _asked():
            runs.add_column(column)
    with op.batch_alter_table("deliveries") as deliveries:
        for column in _asked():
            deliveries.add_column(column)
    op.create_index("ix_runs_cluster_external_id", "runs", ["cluster_external_id"])
    op.create_index("ix_runs_cluster_name", "runs", ["cluster_name"])


def downgrade() -> None:
    op.drop_index("ix_runs_cluster_name", table_name="runs")
    op.drop_index("ix_runs_cluster_external_id", table_name="runs")
    with op.batch_alter_table("deliveries") as deliveries:
        for name in ("repeat_effects", "requested_by", "reason"):
            deliveries.drop_column(name)
    with op.batch_alter_table("runs") as runs:
        for name in ("repeat_effects", "requested_by", "reason", "cluster_name"):
            runs.drop_column(name)
        runs.drop_column("cluster_external_id")
        runs.drop_column("trigger")
