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
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('follow_up_id', sa.BigInteger(), nullable=True),
    sa.Column('rectification_id', sa.BigInteger(), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.Column('raised_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'subject_id', name='one_alarm_per_subject')
    )
    op.create_table('applications',
    sa.Column('application_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('proactive', sa.Boolean(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stage_due_at', UtcDateTime(), nullable=True),
    sa.Column('moved_at', UtcDateTime(), nullable=False),
    sa.Column('submitted_at', UtcDateTime(), nullable=False),
    sa.Column('completed_at', UtcDateTime(), nullable=True),
    sa.Column('rejected_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('application_id')
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('applications_by_enterprise', ['uscc'], unique=False)
        batch_op.create_index('applications_by_policy', ['policy_id', 'completed_at'], unique=False)

    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('arrangement', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('loaded_at', UtcDateTime(), nullable=False),
    sa.Column('loaded_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('counselling_plans',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('team_id', sa.BigInteger(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('county', sa.String(length=20), nullable=True),
    sa.Column('amount_coordinated', Money(), nullable=False),
    sa.Column('changed_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('uscc', 'version')
    )
    op.create_table('counselling_problems',
    sa.Column('problem_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('team_id', sa.BigInteger(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=20), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('raised_at', UtcDateTime(), nullable=False),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.Column('first_answered_at', UtcDateTime(), nullable=True),
    sa.Column('resolved_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('problem_id')
    )
    with op.batch_alter_table('counselling_problems', schema=None) as batch_op:
        batch_op.create_index('counselling_problems_by_county', ['county', 'raised_at'], unique=False)
        batch_op.create_index('counselling_problems_by_due', ['due_at'], unique=False)

    op.create_table('enterprise_interests',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('uscc', 'tag'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('enterprise_interests', schema=None) as batch_op:
        batch_op.create_index('enterprise_interests_by_tag', ['tag', 'uscc'], unique=False)

    op.create_table('enterprises',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    op.create_table('evaluations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('source_weights', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('survey', sa.JSON(), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('closed_at', UtcDateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('filings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('unit_kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('filed_by_key', sa.String(length=100), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.JSON(), nullable=False),
    sa.Column('filed_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id', 'source', 'unit_kind', 'unit', 'filed_by_key', name='one_filing_per_filer')
    )
    op.create_table('follow_ups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('rating_id', sa.BigInteger(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('opened_at', UtcDateTime(), nullable=False),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('closed_at', UtcDateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.Column('alarmed_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('follow_ups_by_policy', ['policy_id', 'due_at'], unique=False)
        batch_op.create_index('follow_ups_of_rating', ['rating_id', 'id'], unique=False)
        batch_op.create_index('follow_ups_open_by_due', ['status', 'due_at'], unique=False)

    op.create_table('matches',
    sa.Column('policy_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('first_matched_at', UtcDateTime(), nullable=True),
    sa.Column('last_matched_at', UtcDateTime(), nullable=True),
    sa.Column('last_unmatched_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('policy_id', 'uscc'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index('matches_by_enterprise', ['uscc'], unique=False)

    op.create_table('notices_delivered',
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('delivered_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', 'policy_id')
    )
    with op.batch_alter_table('notices_delivered', schema=None) as batch_op:
        batch_op.create_index('notices_delivered_by_policy', ['policy_id', 'delivered_at'], unique=False)

    op.create_table('notices_read',
    sa.Column('notification_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=True),
    sa.Column('evaluation_id', sa.BigInteger(), nullable=True),
    sa.Column('read_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('notification_id')
    )
    with op.batch_alter_table('notices_read', schema=None) as batch_op:
        batch_op.create_index('notices_read_by_policy', ['policy_id', 'read_at'], unique=False)

    op.create_table('policies',
    sa.Column('policy_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('department_name', sa.String(length=100), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('redeemable', sa.Boolean(), nullable=False),
    sa.Column('proactive', sa.Boolean(), nullable=False),
    sa.Column('tags_used', sa.JSON(), nullable=False),
    sa.Column('published_at', UtcDateTime(), nullable=True),
    sa.Column('ended_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('policy_id')
    )
    op.create_table('policy_interests',
    sa.Column('policy_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('policy_id', 'tag')
    )
    with op.batch_alter_table('policy_interests', schema=None) as batch_op:
        batch_op.create_index('policy_interests_by_tag', ['tag'], unique=False)

    op.create_table('questions',
    sa.Column('question_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('asked_at', UtcDateTime(), nullable=True),
    sa.Column('due_at', UtcDateTime(), nullable=True),
    sa.Column('answered_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('question_id')
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index('questions_by_policy', ['policy_id'], unique=False)

    op.create_table('rating_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('rating_id', sa.BigInteger(), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rating_history', schema=None) as batch_op:
        batch_op.create_index('rating_history_by_policy', ['policy_id', 'rated_at'], unique=False)
        batch_op.create_index('rating_history_of_rating', ['rating_id', 'id'], unique=False)

    op.create_table('ratings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subject_key', sa.String(length=60), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uscc', 'subject_key', name='one_rating_per_subject')
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ratings_by_department', ['department', 'id'], unique=False)
        batch_op.create_index('ratings_by_policy', ['policy_id', 'rated_at'], unique=False)

    op.create_table('rectification_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('rectification_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('by', sa.JSON(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification_history', schema=None) as batch_op:
        batch_op.create_index('rectification_history_of', ['rectification_id', 'id'], unique=False)

    op.create_table('rectifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.BigInteger(), nullable=False),
    sa.Column('unit_kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('issued_at', UtcDateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('completed_at', UtcDateTime(), nullable=True),
    sa.Column('verified_at', UtcDateTime(), nullable=True),
    sa.Column('alarmed_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.create_index('rectifications_by_unit', ['unit_kind', 'unit'], unique=False)
        batch_op.create_index('rectifications_open_by_due', ['status', 'due_at'], unique=False)

    op.create_table('results',
    sa.Column('evaluation_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('unit_kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('rank_best', sa.Integer(), nullable=True),
    sa.Column('rank_worst', sa.Integer(), nullable=True),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('outcomes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('evaluation_id', 'unit_kind', 'unit')
    )
    op.create_table('source_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('routing_key', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kept_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_table('stage_results',
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('policy_id', sa.BigInteger(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('left_at', UtcDateTime(), nullable=False),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('stage_results', schema=None) as batch_op:
        batch_op.create_index('stage_results_by_policy', ['policy_id', 'left_at'], unique=False)

    op.create_table('survey_responses',
    sa.Column('evaluation_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('answered_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('evaluation_id', 'uscc')
    )
    op.create_table('survey_scores',
    sa.Column('evaluation_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('evaluation_id', 'uscc', 'dimension')
    )


def downgrade() -> None:
    op.drop_table('survey_scores')
    op.drop_table('survey_responses')
    with op.batch_alter_table('stage_results', schema=None) as batch_op:
        batch_op.drop_index('stage_results_by_policy')

    op.drop_table('stage_results')
    op.drop_table('source_events')
    op.drop_table('results')
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_index('rectifications_open_by_due')
        batch_op.drop_index('rectifications_by_unit')

    op.drop_table('rectifications')
    with op.batch_alter_table('rectification_history', schema=None) as batch_op:
        batch_op.drop_index('rectification_history_of')

    op.drop_table('rectification_history')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ratings_by_policy')
        batch_op.drop_index('ratings_by_department')

    op.drop_table('ratings')
    with op.batch_alter_table('rating_history', schema=None) as batch_op:
        batch_op.drop_index('rating_history_of_rating')
        batch_op.drop_index('rating_history_by_policy')

    op.drop_table('rating_history')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('questions_by_policy')

    op.drop_table('questions')
    with op.batch_alter_table('policy_interests', schema=None) as batch_op:
        batch_op.drop_index('policy_interests_by_tag')

    op.drop_table('policy_interests')
    op.drop_table('policies')
    with op.batch_alter_table('notices_read', schema=None) as batch_op:
        batch_op.drop_index('notices_read_by_policy')

    op.drop_table('notices_read')
    with op.batch_alter_table('notices_delivered', schema=None) as batch_op:
        batch_op.drop_index('notices_delivered_by_policy')

    op.drop_table('notices_delivered')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('matches_by_enterprise')

    op.drop_table('matches')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('follow_ups_open_by_due')
        batch_op.drop_index('follow_ups_of_rating')
        batch_op.drop_index('follow_ups_by_policy')

    op.drop_table('follow_ups')
    op.drop_table('filings')
    op.drop_table('evaluations')
    op.drop_table('enterprises')
    with op.batch_alter_table('enterprise_interests', schema=None) as batch_op:
        batch_op.drop_index('enterprise_interests_by_tag')

    op.drop_table('enterprise_interests')
    with op.batch_alter_table('counselling_problems', schema=None) as batch_op:
        batch_op.drop_index('counselling_problems_by_due')
        batch_op.drop_index('counselling_problems_by_county')

    op.drop_table('counselling_problems')
    op.drop_table('counselling_plans')
    op.drop_table('calendar_years')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('applications_by_policy')
        batch_op.drop_index('applications_by_enterprise')

    op.drop_table('applications')
    op.drop_table('alarms')
    messaging_tables_0001.drop()
