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
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('arrangement', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('loaded_at', UtcDateTime(), nullable=False),
    sa.Column('loaded_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('departments',
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('updated_by', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('enterprise_codes',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('uscc', 'field', 'code')
    )
    op.create_table('enterprise_facts',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('fact_name', sa.String(length=200), nullable=True),
    sa.Column('fact_registered_on', sa.String(length=10), nullable=True),
    sa.Column('fact_ownership', sa.String(length=200), nullable=True),
    sa.Column('fact_industry_code', sa.String(length=200), nullable=True),
    sa.Column('fact_county', sa.String(length=200), nullable=True),
    sa.Column('fact_employees', sa.Float(), nullable=True),
    sa.Column('fact_annual_revenue', sa.Float(), nullable=True),
    sa.Column('fact_total_assets', sa.Float(), nullable=True),
    sa.Column('fact_rd_expense', sa.Float(), nullable=True),
    sa.Column('fact_status', sa.String(length=200), nullable=True),
    sa.Column('fact_age_years', sa.Float(), nullable=True),
    sa.Column('fact_revenue_per_employee', sa.Float(), nullable=True),
    sa.Column('fact_rd_intensity', sa.Float(), nullable=True),
    sa.Column('fact_scale', sa.String(length=200), nullable=True),
    sa.Column('fact_industry_section', sa.String(length=200), nullable=True),
    sa.Column('fact_industry_division', sa.String(length=200), nullable=True),
    sa.Column('known_qualifications', sa.Boolean(), nullable=False),
    sa.Column('known_interests', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    op.create_table('enterprise_tags',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('uscc', 'tag')
    )
    op.create_table('matches',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('profile_version', sa.Integer(), nullable=False),
    sa.Column('matched_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('uscc', 'policy_id')
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index('matches_by_policy', ['policy_id', 'uscc'], unique=False)

    op.create_table('packs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('policy_ids', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.JSON(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('last_scanned_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('policies',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('department_name', sa.String(length=100), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('tags_used', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.String(length=10), nullable=False),
    sa.Column('valid_to', sa.String(length=10), nullable=False),
    sa.Column('redeemable', sa.Boolean(), nullable=False),
    sa.Column('proactive', sa.Boolean(), nullable=False),
    sa.Column('subsidy', sa.JSON(), nullable=True),
    sa.Column('budget', Money(), nullable=True),
    sa.Column('exclusive_group', sa.String(length=100), nullable=True),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('stage_limits', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('published_at', UtcDateTime(), nullable=True),
    sa.Column('started_at', UtcDateTime(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index('policies_by_revision', ['revision'], unique=False)
        batch_op.create_index('policies_by_status', ['status'], unique=False)
        batch_op.create_index('policies_by_update', ['updated_at'], unique=False)

    op.create_table('policy_changes',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('policy_versions',
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('actor', sa.JSON(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('policy_id', 'version')
    )
    op.create_table('question_alarms',
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('raised_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('question_id')
    )
    op.create_table('questions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('asked_by', sa.JSON(), nullable=False),
    sa.Column('asked_at', UtcDateTime(), nullable=False),
    sa.Column('due_at', UtcDateTime(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=True),
    sa.Column('due_note', sa.Text(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.JSON(), nullable=True),
    sa.Column('answered_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index('questions_by_policy', ['policy_id', 'id'], unique=False)
        batch_op.create_index('questions_open', ['answered_at', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('questions_open')
        batch_op.drop_index('questions_by_policy')

    op.drop_table('questions')
    op.drop_table('question_alarms')
    op.drop_table('policy_versions')
    op.drop_table('policy_changes')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index('policies_by_update')
        batch_op.drop_index('policies_by_status')
        batch_op.drop_index('policies_by_revision')

    op.drop_table('policies')
    op.drop_table('packs')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('matches_by_policy')

    op.drop_table('matches')
    op.drop_table('enterprise_tags')
    op.drop_table('enterprise_facts')
    op.drop_table('enterprise_codes')
    op.drop_table('departments')
    op.drop_table('calendar_years')
    messaging_tables_0001.drop()
