"""The policy service's own tables: policies and their revisions, its read model of enterprises, matches."""
from sqlalchemy import JSON, BigInteger, Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text

from shared import calendar_register
from shared.database import Money, UtcDateTime, serial_id
from shared.facts import FACTS, Kind

metadata = MetaData()

policies = Table(
    "policies", metadata,
    serial_id(),
    Column("title", String(300), nullable=False),
    Column("department", String(100), nullable=False),
    Column("department_name", String(100)),
    Column("level", String(20), nullable=False),
    Column("county", String(6)),
    Column("summary", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("eligibility", JSON, nullable=False),
    Column("tags_used", JSON, nullable=False),
    Column("valid_from", String(10), nullable=False),   # ISO dates: text order is date order
    Column("valid_to", String(10), nullable=False),
    Column("redeemable", Boolean, nullable=False),
    Column("proactive", Boolean, nullable=False),
    Column("subsidy", JSON),
    Column("budget", Money),                          # yuan
    Column("exclusive_group", String(100)),
    Column("materials", JSON, nullable=False),
    Column("stage_limits", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    # the policy_changes counter when the row last changed; null only on rows older than the column
    Column("revision", BigInteger),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime()),
    # when the policy was first live while published (valid_from reached): null for one published before its
    # valid_from day until the day comes and it is pushed (policy_store.start_due)
    Column("started_at", UtcDateTime()),
    Column("withdrawn_reason", Text),
    Index("policies_by_status", "status"),
    Index("policies_by_update", "updated_at"),
    Index("policies_by_revision", "revision"),
)

# One row: a counter every change to `policies` takes its `revision` from. Taking it locks the row
# until commit, so revisions become visible in the order they were taken and an in-memory copy
# that read up to revision N has seen every change up to N, whatever the clocks said. A database
# sequence would not do: its numbers are handed out in order but may commit out of order.
policy_changes = Table(
    "policy_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", BigInteger, nullable=False),
)

policy_versions = Table(
    "policy_versions", metadata,
    Column("policy_id", BigInteger, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("snapshot", JSON, nullable=False),
    Column("actor", JSON, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

# The read model: what rules need of each enterprise, kept from `enterprise.tagged` events.
# One column per scalar fact, so a rule compiles to one SQL query over all enterprises.
_COLUMN_TYPES = {Kind.string: String(200), Kind.date: String(10), Kind.number: Float}
SCALAR_FACTS = tuple(name for name, fact in FACTS.items() if fact.kind is not Kind.codes)
CODE_FACTS = tuple(name for name, fact in FACTS.items() if fact.kind is Kind.codes)

enterprise_facts = Table(
    "enterprise_facts", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    *(Column(f"fact_{name}", _COLUMN_TYPES[FACTS[name].kind]) for name in SCALAR_FACTS),
    # a list fact's values are rows of enterprise_codes; these tell "sent an empty list" from "unknown"
    *(Column(f"known_{name}", Boolean, nullable=False, default=False) for name in CODE_FACTS),
)

enterprise_tags = Table(
    "enterprise_tags", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("tag", String(100), primary_key=True),
    # no index by tag: rules ask "has this enterprise the tag" (a correlated EXISTS), which the
    # primary key answers; a second index would only slow the million-row bulk writes
    # On SQLite the rows themselves in key order (every question is by enterprise): one tree to write.
    sqlite_with_rowid=False,
)

enterprise_codes = Table(
    "enterprise_codes", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("field", String(50), primary_key=True),
    Column("code", String(100), primary_key=True),
    sqlite_with_rowid=False,   # as enterprise_tags
)

matches = Table(
    "matches", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("policy_id", BigInteger, primary_key=True),
    Column("policy_version", Integer, nullable=False),
    Column("profile_version", Integer, nullable=False),
    Column("matched_at", UtcDateTime(), nullable=False),
    # No index by policy: a bulk sync's inserts would land all over it (docs/benchmarks.md); the few
    # questions by policy alone (a policy's lifecycle steps) pass over the table once instead.
    # On SQLite the rows themselves in key order: one tree to maintain, not a rowid table besides.
    sqlite_with_rowid=False,
)

# The register of departments (contract section 6): a policy or a department's staff account may
# name only a code held here, so a typo never creates a department.
departments = Table(
    "departments", metadata,
    Column("code", String(100), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("origin", String(20), nullable=False),   # default (the city's register) or staff
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", JSON),                     # null for the default register
)

# Questions on a policy (政策咨询): asked by an enterprise, answered by the owning department.
questions = Table(
    "questions", metadata,
    serial_id(),
    Column("policy_id", BigInteger, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("text", Text, nullable=False),
    Column("asked_by", JSON, nullable=False),
    Column("asked_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime()),
    Column("due_provisional", Boolean),       # counted on a year without an official arrangement (yet)
    Column("due_note", Text),                 # rows from before provisional years: why no due time
    Column("answer", Text),
    Column("answered_by", JSON),
    Column("answered_at", UtcDateTime()),
    Index("questions_by_policy", "policy_id", "id"),
    Index("questions_open", "answered_at", "due_at"),
)

# The questions whose being overdue raised a staff alarm (`alarm.raised`), once each: a table of its own, so a
# database made before it gains it without a migration, and its key refuses a second alarm.
question_alarms = Table(
    "question_alarms", metadata,
    Column("question_id", BigInteger, primary_key=True),
    Column("raised_at", UtcDateTime(), nullable=False),
)

# Gift packs (大礼包): policies bundled under a short code that a QR code points at.
packs = Table(
    "packs", metadata,
    serial_id(),
    Column("code", String(16), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("policy_ids", JSON, nullable=False),
    Column("created_by", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("scans", Integer, nullable=False, default=0),
    Column("last_scanned_at", UtcDateTime()),
)

# This service's copy of the official working-day arrangements (the application service keeps the register).
calendar_years = calendar_register.define(metadata)
