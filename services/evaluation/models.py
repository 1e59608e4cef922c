"""The evaluation service's own tables.

Facts it keeps from the bus (each row written from events only, so a replay of the kept events
rebuilds it): policies, enterprises' declared interests, matches, notices delivered and read,
applications and the stages they left, questions, counsellors' problems and financing plans; the journal
of those source events (`source_events`, what `huiqi evaluation-export` writes). Its own records: ratings and their
history, follow-ups, rounds, filings, survey responses, results, rectifications and their history,
alarms; and its copy of the working-day calendar register.

Facts are merged so that the order events arrive in does not matter (earliest and latest times,
versions): two lanes and several queues feed them at once, and a replay gives the same rows.
"""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared import calendar_register
from shared.database import Money, UtcDateTime, serial_id

metadata = MetaData()

# --- facts from the bus ----------------------------------------------------------------------------

# Every policy that was ever in force, as its latest PolicyInForce said (a newer version wins).
policies = Table(
    "policies", metadata,
    Column("policy_id", BigInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("department", String(100), nullable=False),
    Column("department_name", String(100)),
    Column("level", String(20), nullable=False),
    Column("county", String(6)),
    Column("redeemable", Boolean, nullable=False),
    Column("proactive", Boolean, nullable=False),
    Column("tags_used", JSON, nullable=False),
    Column("published_at", UtcDateTime()),      # first in force (the earliest publish or revision seen)
    Column("ended_at", UtcDateTime()),          # withdrawn or expired; null while in force
)

# The `interest.*` tags a policy's rule uses (for supply match's S2), kept with the policy's version.
policy_interests = Table(
    "policy_interests", metadata,
    Column("policy_id", BigInteger, primary_key=True, autoincrement=False),
    Column("tag", String(100), primary_key=True),
    Index("policy_interests_by_tag", "tag"),
)

# Each enterprise's latest tagged version, and its declared interests (interest.* tags) at that version.
enterprises = Table(
    "enterprises", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("version", Integer, nullable=False),
)

enterprise_interests = Table(
    "enterprise_interests", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("tag", String(100), primary_key=True),
    Index("enterprise_interests_by_tag", "tag", "uscc"),
    sqlite_with_rowid=False,
)

# One row per (policy, enterprise) ever matched: the earliest and latest match seen, and the latest
# unmatch. Unmatched now iff last_unmatched_at > last_matched_at. Matched at some moment of a period
# [start, end) iff first_matched_at < end and it was not unmatched before start.
matches = Table(
    "matches", metadata,
    Column("policy_id", BigInteger, nullable=False, autoincrement=False),
    Column("uscc", String(18), nullable=False),
    Column("first_matched_at", UtcDateTime()),
    Column("last_matched_at", UtcDateTime()),
    Column("last_unmatched_at", UtcDateTime()),
    # keyed enterprise first, with no index by policy: a bulk sync's MatchesChanged (1,000 enterprises x
    # 26 policies) then dirties a leaf page or two per enterprise in one tree, where keyed policy first
    # with an index by enterprise it dirtied pages of every policy in the table and a page per enterprise
    # in the index, and committing them was most of the intake (docs/benchmarks.md). An enterprise's
    # questions (ever_matched, in_scope, the survey's respondents) use the key; a round's counts by
    # policy scan the table either way, and sorting the scan costs a close less than an index by policy
    # costs every event
    PrimaryKeyConstraint("uscc", "policy_id", name="matches_pkey"),
    # on SQLite the rows themselves in key order: the table is that one tree
    sqlite_with_rowid=False,
)

# Notices put in inboxes, counted per policy and kind, one row per NotificationsDelivered event.
notices_delivered = Table(
    "notices_delivered", metadata,
    Column("event_id", String(100), primary_key=True),
    Column("policy_id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(40), nullable=False),
    Column("count", Integer, nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=False),
    # by time only: the one question asked is a period's pushes (summed by policy), and each event's
    # counts, for about as many policies as there are, went into a thousand places of an index by
    # policy, a page dirtied per policy at every commit of a bulk sync
    Index("notices_delivered_by_time", "delivered_at"),
)

# Notices read for the first time.
notices_read = Table(
    "notices_read", metadata,
    Column("notification_id", BigInteger, primary_key=True, autoincrement=False),
    Column("uscc", String(18), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("policy_id", BigInteger),
    Column("evaluation_id", BigInteger),
    Column("read_at", UtcDateTime(), nullable=False),
    Index("notices_read_by_policy", "policy_id", "read_at"),
)

# Applications as their moves told it: the latest stage, when it was submitted, completed, ended.
applications = Table(
    "applications", metadata,
    Column("application_id", BigInteger, primary_key=True, autoincrement=False),
    Column("policy_id", BigInteger, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("department", String(100)),
    Column("proactive", Boolean, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("stage_due_at", UtcDateTime()),                    # when staff are to finish it (STAFF_STAGES only)
    Column("moved_at", UtcDateTime(), nullable=False),        # the latest move's occurred_at
    Column("submitted_at", UtcDateTime(), nullable=False),    # the earliest move's
    Column("completed_at", UtcDateTime()),
    Column("rejected_at", UtcDateTime()),
    Index("applications_by_policy", "policy_id", "completed_at"),
    Index("applications_by_enterprise", "uscc"),
)

# Every stage an application left that had a due time: on time iff left_at <= due_at.
stage_results = Table(
    "stage_results", metadata,
    Column("event_id", String(100), primary_key=True),
    Column("application_id", BigInteger, nullable=False),
    Column("policy_id", BigInteger, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("left_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Index("stage_results_by_policy", "policy_id", "left_at"),
)

questions = Table(
    "questions", metadata,
    Column("question_id", BigInteger, primary_key=True, autoincrement=False),
    Column("policy_id", BigInteger, nullable=False),
    Column("department", String(100), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("asked_at", UtcDateTime()),
    Column("due_at", UtcDateTime()),
    Column("answered_at", UtcDateTime()),
    Index("questions_by_policy", "policy_id"),
)

# Counsellors' problems (docs/counselling.md): the enterprise, when raised, first answered and resolved, and the
# team's level and county, from the counselling events. Counted towards feedback responsiveness of a county team's
# county.
counselling_problems = Table(
    "counselling_problems", metadata,
    Column("problem_id", BigInteger, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, nullable=False),
    Column("level", String(20), nullable=False),
    Column("county", String(20)),
    Column("uscc", String(18), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),      # raised_at + 24 clock hours
    Column("first_answered_at", UtcDateTime()),
    Column("resolved_at", UtcDateTime()),                 # the ProblemResolved event's occurred_at
    Index("counselling_problems_by_due", "due_at"),
    Index("counselling_problems_by_county", "county", "raised_at"),
)

# Every version of an enterprise's financing plan (一企一方案) the bus told of (`counselling.plan_changed`): the
# financing coordinated in it, when, and the team's level and county then. A round counts what a plan's amount
# rose by in its period, towards the county of a county team.
counselling_plans = Table(
    "counselling_plans", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, nullable=False),
    Column("level", String(20)),                          # null: an event from before it carried the level
    Column("county", String(20)),
    Column("amount_coordinated", Money(), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)

# The source events the facts above were written from, reduced to the fields this service reads
# (still valid events): `huiqi evaluation-export` writes them, `huiqi evaluation-replay` handles them again.
source_events = Table(
    "source_events", metadata,
    serial_id(),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("routing_key", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("kept_at", UtcDateTime(), nullable=False),
)

# --- ratings (好差评) and their follow-ups (差评回访) -------------------------------------------------

# One rating per enterprise and subject (`subject_key`: push:<policy> or application:<id>); a rating
# again replaces it, every version kept in rating_history (the current one included).
ratings = Table(
    "ratings", metadata,
    serial_id(),
    Column("subject_key", String(60), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("policy_id", BigInteger, nullable=False),
    Column("application_id", BigInteger),
    Column("department", String(100), nullable=False),
    Column("level", String(20), nullable=False),
    Column("county", String(6)),
    Column("stars", Integer, nullable=False),
    Column("comment", Text),
    Column("rated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("uscc", "subject_key", name="one_rating_per_subject"),
    Index("ratings_by_policy", "policy_id", "rated_at"),
    Index("ratings_by_department", "department", "id"),
)

rating_history = Table(
    "rating_history", metadata,
    serial_id(),
    Column("rating_id", BigInteger, nullable=False),
    Column("policy_id", BigInteger, nullable=False),
    Column("stars", Integer, nullable=False),
    Column("comment", Text),
    Column("rated_at", UtcDateTime(), nullable=False),
    Index("rating_history_of_rating", "rating_id", "id"),
    Index("rating_history_by_policy", "policy_id", "rated_at"),
)

follow_ups = Table(
    "follow_ups", metadata,
    serial_id(),
    Column("rating_id", BigInteger, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("policy_id", BigInteger, nullable=False),
    Column("department", String(100), nullable=False),
    Column("level", String(20), nullable=False),
    Column("county", String(6)),
    Column("stars", Integer, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("due_provisional", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", Text),
    Column("closed_at", UtcDateTime()),
    Column("closed_by", String(100)),
    Column("alarmed_at", UtcDateTime()),
    Index("follow_ups_of_rating", "rating_id", "id"),
    Index("follow_ups_open_by_due", "status", "due_at"),
    Index("follow_ups_by_policy", "policy_id", "due_at"),
)

# --- rounds (三评) ----------------------------------------------------------------------------------

evaluations = Table(
    "evaluations", metadata,
    serial_id(),
    Column("name", String(200), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("weights", JSON, nullable=False),
    Column("source_weights", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("survey", JSON),                        # {"questions": [{"text", "dimension"}]} once set
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("closed_by", String(100)),
)

# Self-assessments (one per unit, `filed_by_key` '') and third-party scores (one per assessor and unit).
filings = Table(
    "filings", metadata,
    serial_id(),
    Column("evaluation_id", BigInteger, nullable=False),
    Column("source", String(20), nullable=False),
    Column("unit_kind", String(20), nullable=False),
    Column("unit", String(100), nullable=False),
    Column("filed_by_key", String(100), nullable=False),
    Column("scores", JSON, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("filed_by", JSON, nullable=False),           # the actor, as recorded everywhere
    Column("filed_at", UtcDateTime(), nullable=False),
    UniqueConstraint("evaluation_id", "source", "unit_kind", "unit", "filed_by_key", name="one_filing_per_filer"),
)

survey_responses = Table(
    "survey_responses", metadata,
    Column("evaluation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("uscc", String(18), primary_key=True),
    Column("answers", JSON, nullable=False),
    Column("answered_at", UtcDateTime(), nullable=False),
)

# Each response's score per dimension it answered (0..100), for aggregation in SQL.
survey_scores = Table(
    "survey_scores", metadata,
    Column("evaluation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("uscc", String(18), primary_key=True),
    Column("dimension", String(40), primary_key=True),
    Column("score", Float, nullable=False),
)

# A closed round's results: one row per unit. Derived (close recomputes them), never exported.
results = Table(
    "results", metadata,
    Column("evaluation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("unit_kind", String(20), primary_key=True),
    Column("unit", String(100), primary_key=True),
    Column("position", Integer, nullable=False),  # the order of the answer's list: rank order, unranked last
    Column("name", String(300), nullable=False),
    Column("score", Float),
    Column("rank", Integer),
    Column("rank_best", Integer),
    Column("rank_worst", Integer),
    Column("dimensions", JSON, nullable=False),
    Column("sources", JSON, nullable=False),
    Column("outcomes", JSON, nullable=False),     # the platform counts the scores came from
)

# --- rectifications (整改交办) and alarms -------------------------------------------------------------

rectifications = Table(
    "rectifications", metadata,
    serial_id(),
    Column("evaluation_id", BigInteger, nullable=False),
    Column("unit_kind", String(20), nullable=False),
    Column("unit", String(100), nullable=False),
    Column("problem", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),   # the end of due_on, China time
    Column("status", String(20), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("issued_by", String(100), nullable=False),
    Column("completed_at", UtcDateTime()),
    Column("verified_at", UtcDateTime()),
    Column("alarmed_at", UtcDateTime()),
    Index("rectifications_by_unit", "unit_kind", "unit"),
    Index("rectifications_open_by_due", "status", "due_at"),
)

rectification_history = Table(
    "rectification_history", metadata,
    serial_id(),
    Column("rectification_id", BigInteger, nullable=False),
    Column("action", String(20), nullable=False),
    Column("text", Text),
    Column("by", JSON, nullable=False),                 # the actor who took the step
    Column("at", UtcDateTime(), nullable=False),
    Index("rectification_history_of", "rectification_id", "id"),
)

alarms = Table(
    "alarms", metadata,
    serial_id(),
    Column("kind", String(40), nullable=False),
    Column("subject_id", BigInteger, nullable=False),   # the follow-up's or the rectification's id
    Column("follow_up_id", BigInteger),
    Column("rectification_id", BigInteger),
    Column("department", String(100)),
    Column("county", String(6)),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    UniqueConstraint("kind", "subject_id", name="one_alarm_per_subject"),
)

# This service's copy of the official working-day arrangements (from calendar.loaded).
calendar_years = calendar_register.define(metadata)
