"""Baseline: the schema the release before migrations made with `create_all` (commit 123ea7c).

The messaging tables (shared/messaging_tables.py) and the service's models, exactly as that release created
them on SQLite and PostgreSQL (tests/integration/test_migrations.py compares). `huiqi migrate` stamps a
database of that release at this revision instead of running it (shared/migrations.py).

Revision ID: 0001_baseline
Revises:
"""
import sqlalchemy as sa
from alembic import op

from shared.database import UtcDateTime
from shared.migration_steps import messaging_tables_0001

revision = '0001_baseline'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    messaging_tables_0001.create()
    op.create_table('deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('account_id', sa.String(length=30), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('notification_id', sa.BigInteger(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UtcDateTime(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('provider_answer', sa.Text(), nullable=True),
    sa.Column('provider_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('sent_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('deliveries_of_enterprise', ['uscc', 'id'], unique=False)
        batch_op.create_index('deliveries_of_staff', ['account_id', 'id'], unique=False)
        batch_op.create_index('deliveries_to_recipient', ['recipient', 'sent_at'], unique=False)

    op.create_table('notification_contacts',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    op.create_table('notification_preferences',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=False),
    sa.Column('quiet_end', sa.String(length=5), nullable=False),
    sa.Column('digest', sa.String(length=10), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('read_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uscc', 'subject', 'subject_id', 'kind', name='one_notification_per_subject')
    )
    op.create_table('staff_contacts',
    sa.Column('account_id', sa.String(length=30), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('team_id', sa.BigInteger(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('account_id')
    )
    with op.batch_alter_table('staff_contacts', schema=None) as batch_op:
        batch_op.create_index('staff_contacts_by_role', ['role', 'active'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('staff_contacts', schema=None) as batch_op:
        batch_op.drop_index('staff_contacts_by_role')

    op.drop_table('staff_contacts')
    op.drop_table('notifications')
    op.drop_table('notification_preferences')
    op.drop_table('notification_contacts')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('deliveries_to_recipient')
        batch_op.drop_index('deliveries_of_staff')
        batch_op.drop_index('deliveries_of_enterprise')
        batch_op.drop_index('deliveries_due')

    op.drop_table('deliveries')
    messaging_tables_0001.drop()
