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
    sa.Column('problem_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.Column('raised_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('problem_id', 'stage')
    )
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.create_index('alarms_by_level', ['level', 'county'], unique=False)

    op.create_table('enterprises',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('financing_interest', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    op.create_table('matches',
    sa.Column('policy_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('matched', sa.Boolean(), nullable=False),
    sa.Column('decided_at', UtcDateTime(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('policy_id', 'uscc')
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index('matches_by_enterprise', ['uscc'], unique=False)

    op.create_table('plans',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('amount_coordinated', Money(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index('plans_by_team', ['team_id'], unique=False)

    op.create_table('policies',
    sa.Column('policy_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('financing', sa.Boolean(), nullable=False),
    sa.Column('in_force', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('policy_id')
    )
    op.create_table('problems',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('raised_at', UtcDateTime(), nullable=False),
    sa.Column('raised_by', sa.String(length=100), nullable=False),
    sa.Column('raised_role', sa.String(length=30), nullable=False),
    sa.Column('first_answered_at', UtcDateTime(), nullable=True),
    sa.Column('answered_in_time', sa.Boolean(), nullable=True),
    sa.Column('resolved_at', UtcDateTime(), nullable=True),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('alarm_stage', sa.Integer(), nullable=False),
    sa.Column('next_alarm_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.create_index('problems_by_enterprise', ['uscc'], unique=False)
        batch_op.create_index('problems_by_team', ['team_id', 'status', 'raised_at'], unique=False)
        batch_op.create_index('problems_next_alarm', ['next_alarm_at'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('problem_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('problem_id', 'version')
    )
    op.create_table('team_enterprises',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assigned_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    with op.batch_alter_table('team_enterprises', schema=None) as batch_op:
        batch_op.create_index('team_enterprises_by_team', ['team_id', 'uscc'], unique=False)

    op.create_table('teams',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('visits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('financing_need', Money(), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('visits_by_enterprise', ['uscc', 'visited_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('visits_by_enterprise')

    op.drop_table('visits')
    op.drop_table('teams')
    with op.batch_alter_table('team_enterprises', schema=None) as batch_op:
        batch_op.drop_index('team_enterprises_by_team')

    op.drop_table('team_enterprises')
    op.drop_table('responses')
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_index('problems_next_alarm')
        batch_op.drop_index('problems_by_team')
        batch_op.drop_index('problems_by_enterprise')

    op.drop_table('problems')
    op.drop_table('policies')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('plans_by_team')

    op.drop_table('plans')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('matches_by_enterprise')

    op.drop_table('matches')
    op.drop_table('enterprises')
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.drop_index('alarms_by_level')

    op.drop_table('alarms')
    messaging_tables_0001.drop()
