"""Index the pushes delivered by time, not by policy.

The only question asked of `notices_delivered` is a period's pushes, summed by policy. Indexed by
(policy_id, delivered_at), each NotificationsDelivered of a bulk sync (counts for about as many
policies as are published) added an entry in each policy's part of the index, dirtying a page per
policy at every commit (docs/benchmarks.md). By time, the entries land at the index's end. The rows
are untouched, and a process of the previous release reads and writes the table as before.

Revision ID: 0004_pushes_indexed_by_time
Revises: 0003_inbox_by_handled_at
"""
from alembic import op

revision = '0004_pushes_indexed_by_time'
down_revision = '0003_inbox_by_handled_at'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("notices_delivered_by_time", "notices_delivered", ["delivered_at"])
    op.drop_index("notices_delivered_by_policy", table_name="notices_delivered")


def downgrade() -> None:
    op.create_index("notices_delivered_by_policy", "notices_delivered", ["policy_id", "delivered_at"])
    op.drop_index("notices_delivered_by_time", table_name="notices_delivered")
