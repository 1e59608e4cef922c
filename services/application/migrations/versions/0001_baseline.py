"""Baseline: the schema the release before migrations made with `create_all` (commit 123ea7c).

The messaging tables (shared/messaging_tables.py) and the service's models, exactly as that release created
them on SQLite and PostgreSQL (tests/integration/test_migrations.py compares). `huiqi migrate` stamps a
database of that release at this revision instead of running it (shared/migrations.py).

Revision ID: 0001_baseline
Revises:
"""
import sqlalchemy as sa
from alembic import op

from shared.database import Money, UtcDateTime
from shared.migration_steps import messaging_tables_0001

revision = '0001_baseline'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    messaging_tables_0001.create()
    op.create_table('alarms',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('stage_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.Column('raised_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stage_id', 'kind', name='one_alarm_per_stage_and_kind')
    )
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.create_index('alarms_by_role', ['role', 'id'], unique=False)

    op.create_table('application_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_stage', sa.String(length=20), nullable=True),
    sa.Column('to_stage', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('amount', Money(), nullable=True),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('application_history', schema=None) as batch_op:
        batch_op.create_index('history_of_application', ['application_id', 'id'], unique=False)

    op.create_table('application_materials',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('application_materials', schema=None) as batch_op:
        batch_op.create_index('materials_of_application', ['application_id'], unique=False)

    op.create_table('application_stages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('entered_at', UtcDateTime(), nullable=False),
    sa.Column('due_at', UtcDateTime(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('completed_at', UtcDateTime(), nullable=True),
    sa.Column('actor', sa.JSON(), nullable=True),
    sa.Column('alarmed_at', UtcDateTime(), nullable=True),
    sa.Column('escalated_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('application_stages', schema=None) as batch_op:
        batch_op.create_index('stages_of_application', ['application_id', 'id'], unique=False)
        batch_op.create_index('stages_open_by_due', ['completed_at', 'due_at'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('policy_title', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('exclusive_group', sa.String(length=100), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=True),
    sa.Column('proactive', sa.Boolean(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('returned_from', sa.String(length=20), nullable=True),
    sa.Column('amount', Money(), nullable=True),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('material_list', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('stage_limits', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.JSON(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('open_key', sa.String(length=60), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('open_key')
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('applications_by_department', ['department', 'stage'], unique=False)
        batch_op.create_index('applications_by_enterprise', ['uscc', 'id'], unique=False)
        batch_op.create_index('applications_by_stage', ['stage', 'id'], unique=False)

    op.create_table('budgets',
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('budget', Money(), nullable=True),
    sa.Column('committed', Money(), nullable=False),
    sa.Column('disbursed', Money(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('policy_id')
    )
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('arrangement', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('loaded_at', UtcDateTime(), nullable=False),
    sa.Column('loaded_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('exclusive_claims',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('exclusive_group', sa.String(length=100), nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('uscc', 'exclusive_group')
    )
    with op.batch_alter_table('exclusive_claims', schema=None) as batch_op:
        batch_op.create_index('exclusive_claims_of_application', ['application_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exclusive_claims', schema=None) as batch_op:
        batch_op.drop_index('exclusive_claims_of_application')

    op.drop_table('exclusive_claims')
    op.drop_table('calendar_years')
    op.drop_table('budgets')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('applications_by_stage')
        batch_op.drop_index('applications_by_enterprise')
        batch_op.drop_index('applications_by_department')

    op.drop_table('applications')
    with op.batch_alter_table('application_stages', schema=None) as batch_op:
        batch_op.drop_index('stages_open_by_due')
        batch_op.drop_index('stages_of_application')

    op.drop_table('application_stages')
    with op.batch_alter_table('application_materials', schema=None) as batch_op:
        batch_op.drop_index('materials_of_application')

    op.drop_table('application_materials')
    with op.batch_alter_table('application_history', schema=None) as batch_op:
        batch_op.drop_index('history_of_application')

    op.drop_table('application_history')
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.drop_index('alarms_by_role')

    op.drop_table('alarms')
    messaging_tables_0001.drop()
