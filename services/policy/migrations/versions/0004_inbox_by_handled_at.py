"""Index the inbox by when each event was handled, for its pruner (shared/migration_steps/messaging_tables_0002.py).

Revision ID: 0004_inbox_by_handled_at
Revises: 0003_no_matches_by_policy
"""
from shared.migration_steps import messaging_tables_0002

revision = '0004_inbox_by_handled_at'
down_revision = '0003_no_matches_by_policy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    messaging_tables_0002.upgrade()


def downgrade() -> None:
    messaging_tables_0002.downgrade()
