"""The counselling service's own tables.

Its own records: teams and the enterprises each serves, visits, one financing plan per enterprise,
problems with every response to them (the measures as they changed), and the alarms of problems not
answered within 24 clock hours. Facts it keeps from the bus (written from events only): policies in
force and whether each is a financing one, which enterprises each policy matches now, and enterprises'
names. It never asks another service per request.
"""
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.database import Money, UtcDateTime, serial_id

metadata = MetaData()

_ID = BigInteger().with_variant(Integer, "sqlite")

# --- its own records -------------------------------------------------------------------------------

# A team of counsellors at one level; a county team names its county.
teams = Table(
    "teams", metadata,
    serial_id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("level", String(20), nullable=False),          # province, city, county
    Column("county", String(6)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
)

# Which team serves an enterprise: one team each.
team_enterprises = Table(
    "team_enterprises", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("team_id", _ID, nullable=False),
    Column("assigned_at", UtcDateTime(), nullable=False),
    Index("team_enterprises_by_team", "team_id", "uscc"),
)

visits = Table(
    "visits", metadata,
    serial_id(),
    Column("uscc", String(18), nullable=False),
    Column("team_id", _ID, nullable=False),
    Column("visited_on", Date(), nullable=False),
    Column("notes", Text(), nullable=False),
    Column("financing_need", Money()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Index("visits_by_enterprise", "uscc", "visited_on"),
)

# One financing plan per enterprise (一企一方案); `version` grows with each change.
plans = Table(
    "plans", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("team_id", _ID, nullable=False),
    Column("needs", Text(), nullable=False),
    Column("measures", Text(), nullable=False),
    Column("amount_coordinated", Money(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Index("plans_by_team", "team_id"),
)

# A problem (一问题一落实): open until its first response, then in_progress or resolved.
problems = Table(
    "problems", metadata,
    serial_id(),
    Column("uscc", String(18), nullable=False),
    Column("team_id", _ID, nullable=False),
    Column("text", Text(), nullable=False),
    Column("status", String(20), nullable=False),          # open, in_progress, resolved
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("raised_by", String(100), nullable=False),
    Column("raised_role", String(30), nullable=False),
    Column("first_answered_at", UtcDateTime()),
    Column("answered_in_time", Boolean),                   # the first response came within 24 clock hours
    Column("resolved_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("alarm_stage", Integer, nullable=False),        # how many rungs of the escalation ladder were raised
    Column("next_alarm_at", UtcDateTime()),                # the next rung's time; null once answered or at the top
    Index("problems_by_team", "team_id", "status", "raised_at"),
    Index("problems_next_alarm", "next_alarm_at"),
    Index("problems_by_enterprise", "uscc"),
)

# Every response, in order: the measures as they stood each time (every version kept).
responses = Table(
    "responses", metadata,
    serial_id(),
    Column("problem_id", _ID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("text", Text(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("problem_id", "version"),
)

# A problem not answered in time: to its team (stage 1), then one level up each further 24 hours.
alarms = Table(
    "alarms", metadata,
    serial_id(),
    Column("problem_id", _ID, nullable=False),
    Column("stage", Integer, nullable=False),
    Column("team_id", _ID, nullable=False),                # the problem's team
    Column("level", String(20), nullable=False),           # the level alarmed: the team's own, then above
    Column("county", String(6)),                           # for a county level alarm
    Column("due_at", UtcDateTime(), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    UniqueConstraint("problem_id", "stage"),
    Index("alarms_by_level", "level", "county"),
)

# --- facts from the bus ----------------------------------------------------------------------------

# Each policy's newest version seen: whether it is a financing policy and whether it is in force.
policies = Table(
    "policies", metadata,
    Column("policy_id", BigInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("financing", Boolean, nullable=False),
    Column("in_force", Boolean, nullable=False),
)

# Whether a policy matches an enterprise now, as the newest event about the pair said.
matches = Table(
    "matches", metadata,
    Column("policy_id", BigInteger, nullable=False, autoincrement=False),
    Column("uscc", String(18), nullable=False),
    Column("matched", Boolean, nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    # No longer written, and never read (a plan shows the policy's own title): a title on each of
    # millions of rows was most of their bytes. Dropped a release later, once no process of the
    # previous release still writes it (CONTRIBUTING.md).
    Column("title", String(300)),
    # keyed enterprise first: the only question asked of it is an enterprise's matches, and a bulk sync's
    # pairs (a batch of new enterprises) then land side by side at one end of one tree, where keyed policy
    # first with an index by enterprise they dirtied a page per policy in two trees at every commit
    PrimaryKeyConstraint("uscc", "policy_id", name="matches_pkey"),
    # on SQLite the rows themselves in key order: the table is that one tree
    sqlite_with_rowid=False,
)

# Enterprises' names, from their newest tagged version.
enterprises = Table(
    "enterprises", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200)),
    Column("financing_interest", Boolean, nullable=False),
)
