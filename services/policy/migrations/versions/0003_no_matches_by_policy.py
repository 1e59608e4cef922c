"""Drop `matches_by_policy`: a bulk synchronisation's inserts paid for it many times over what it saves.

A sync's event holds a thousand enterprises with about 26 matches each, spread over every policy: in the
index by policy each lands in a different place of its policy's range, so one event dirtied some 15,000
pages of it (against about a thousand of the table, whose rows are kept by enterprise), all written to the
WAL at the commit and back at the checkpoint. Measured in-process at the 100k sync's shape (100 events,
2.6 million rows): 24.5 CPU-s and 63 s of wall time with the index, 8.3 CPU-s and 13.6 s without.

What asked by policy alone is the policy direction of matching (who matches a policy now, when it is
published, revised, withdrawn or expires) and restamping its matches with a new version: without the
index each is one pass over the table (0.15-0.27 s at 2.6 million rows on SQLite), once per lifecycle
step of a policy. A policy and a list of enterprises (the application hall) still use the primary key.

Revision ID: 0003_no_matches_by_policy
Revises: 0002_matches_without_rowid
"""
from alembic import op

revision = '0003_no_matches_by_policy'
down_revision = '0002_matches_without_rowid'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("matches_by_policy", table_name="matches")


def downgrade() -> None:
    op.create_index("matches_by_policy", "matches", ["policy_id", "uscc"])
