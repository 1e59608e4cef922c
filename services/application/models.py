"""The application service's own tables: applications, their stages, materials, history, alarms,
budgets, and what it knows of each redeemable policy."""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared import calendar_register
from shared.database import Money, UtcDateTime, serial_id

metadata = MetaData()

applications = Table(
    "applications", metadata,
    serial_id(),
    Column("policy_id", BigInteger, nullable=False),
    Column("policy_title", String(300), nullable=False),
    Column("department", String(100), nullable=False),
    Column("level", String(20), nullable=False),
    Column("county", String(6)),
    Column("exclusive_group", String(100)),
    Column("uscc", String(18), nullable=False),
    Column("enterprise_name", String(200)),
    Column("proactive", Boolean, nullable=False),     # created by the platform (免申即享)
    Column("stage", String(20), nullable=False),
    Column("returned_from", String(20)),
    Column("amount", Money),                           # yuan: the estimate, then what was approved
    Column("form", JSON, nullable=False),              # pre-filled from the profile: nothing asked twice
    # what application_materials holds for it, kept here too so reading an application is one
    # statement fewer (a resubmission that brings materials rewrites both)
    Column("material_list", JSON, nullable=False),
    Column("note", Text),
    Column("stage_limits", JSON, nullable=False),
    Column("created_by", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # one open application per enterprise and policy; a rejected one frees the pair (see `open_key`)
    Column("open_key", String(60), unique=True),
    Index("applications_by_stage", "stage", "id"),
    Index("applications_by_enterprise", "uscc", "id"),
    Index("applications_by_department", "department", "stage"),
)

stages = Table(
    "application_stages", metadata,
    serial_id(),
    Column("application_id", BigInteger, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime()),                   # null: no limit (the enterprise's own time)
    # counted, in part, on a year without an official arrangement; counted again when it is loaded
    Column("due_provisional", Boolean, nullable=False),
    Column("completed_at", UtcDateTime()),
    Column("actor", JSON),                             # who completed it
    Column("alarmed_at", UtcDateTime()),               # the one alarm to the responsible staff
    Column("escalated_at", UtcDateTime()),             # and to the city administrator, a working day later
    Index("stages_of_application", "application_id", "id"),
    # the overdue scan: open stages by due time
    Index("stages_open_by_due", "completed_at", "due_at"),
)

materials = Table(
    "application_materials", metadata,
    serial_id(),
    Column("application_id", BigInteger, nullable=False),
    Column("name", String(100), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Index("materials_of_application", "application_id"),
)

history = Table(
    "application_history", metadata,
    serial_id(),
    Column("application_id", BigInteger, nullable=False),
    Column("action", String(20), nullable=False),
    Column("from_stage", String(20)),
    Column("to_stage", String(20), nullable=False),
    Column("actor", JSON, nullable=False),
    Column("comment", Text),
    Column("amount", Money),
    Column("at", UtcDateTime(), nullable=False),
    Index("history_of_application", "application_id", "id"),
)

alarms = Table(
    "alarms", metadata,
    serial_id(),
    Column("application_id", BigInteger, nullable=False),
    Column("stage_id", BigInteger, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("kind", String(20), nullable=False),        # overdue, escalation
    Column("role", String(30), nullable=False),        # who is told: window_clerk, department_staff, city_admin
    Column("department", String(100)),
    Column("county", String(6)),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    UniqueConstraint("stage_id", "kind", name="one_alarm_per_stage_and_kind"),
    Index("alarms_by_role", "role", "id"),
)

# The one application an enterprise has open in an exclusive group (policies that cannot be redeemed
# together), written in that application's own transaction: of two submitted at the same moment the
# primary key lets one through, and the other waits for it and is refused. Released by a rejection.
exclusive_claims = Table(
    "exclusive_claims", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("exclusive_group", String(100), primary_key=True),
    Column("application_id", BigInteger, nullable=False),
    Column("policy_id", BigInteger, nullable=False),
    Index("exclusive_claims_of_application", "application_id"),
)

budgets = Table(
    "budgets", metadata,
    Column("policy_id", BigInteger, primary_key=True),
    Column("budget", Money),                           # yuan; null: the policy sets no budget
    Column("committed", Money, nullable=False),        # approved and not rejected since
    Column("disbursed", Money, nullable=False),
    # the policy version `budget` is from: a revision applies only over an older one (events and
    # submissions may bring them out of order)
    Column("policy_version", Integer, nullable=False),
)

# The register of official working-day arrangements (contract section 13): the application service keeps it.
calendar_years = calendar_register.define(metadata)
