"""The tagging service's own tables: one file per enterprise (一企一档), its history, quarantine."""
from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

from shared.database import UtcDateTime, serial_id

metadata = MetaData()

enterprises = Table(
    "enterprises", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("profile", JSON, nullable=False),      # merged fields, no uscc
    Column("sources", JSON, nullable=False),      # field -> {source, sequence, at}
    Column("sequences", JSON, nullable=False),    # source -> last applied sequence
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("tags", JSON, nullable=False),         # tag code -> evidence {rule, values}
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

profile_versions = Table(
    "profile_versions", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("source", String(100), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("changes", JSON, nullable=False),      # field -> {"from", "to"}
    Column("tags_added", JSON, nullable=False),
    Column("tags_removed", JSON, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

stale_messages = Table(
    "stale_messages", metadata,
    serial_id(),
    Column("event_id", String(100), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("source", String(100), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("last_applied", BigInteger, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

quarantine = Table(
    "quarantine", metadata,
    serial_id(),
    Column("event_id", String(100)),
    Column("routing_key", String(200), nullable=False),
    Column("source", String(100)),
    Column("item_index", Integer),                # position in a bulk batch, None for a whole message
    Column("body", Text, nullable=False),
    Column("corrected_body", Text),               # what staff replayed instead, if they corrected it
    Column("reason", Text, nullable=False),
    Column("errors", JSON, nullable=False),       # [{"field": "enterprise.uscc", "message": "..."}]
    Column("received_at", UtcDateTime(), nullable=False),
    Column("state", String(20), nullable=False),  # waiting, replayed, discarded
    Column("resolution", Text),
    Column("resolved_at", UtcDateTime()),
    Index("quarantine_by_state", "state", "id"),
)

# The tag catalogue as staff keep it (contract section 8). Seeded from catalogue/default.json;
# a tag is never deleted, only retired, so what an enterprise's history names stays explainable.
tag_categories = Table(
    "tag_categories", metadata,
    Column("code", String(50), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("position", Integer, nullable=False),
)

tag_definitions = Table(
    "tag_definitions", metadata,
    Column("code", String(100), primary_key=True),
    Column("category", String(50), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("rule", JSON, nullable=False),
    Column("state", String(20), nullable=False),     # active or retired
    Column("position", Integer, nullable=False),     # catalogue order
    Column("origin", String(20), nullable=False),    # default (from default.json) or staff
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", JSON),
)

# One row: the catalogue's revision, raised by every change, so every process rebuilds its copy.
catalogue_revision = Table(
    "catalogue_revision", metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("retagged_on", String(10)),               # the China date of the last daily re-tag
)

# Re-tagging every enterprise after a catalogue change (or a new day, for age.*), in batches.
jobs = Table(
    "jobs", metadata,
    serial_id(),
    Column("kind", String(20), nullable=False),       # create, change, retire, daily
    Column("tag_code", String(100)),
    Column("revision", Integer, nullable=False),      # the catalogue revision it applies
    Column("state", String(20), nullable=False),      # queued, running, done, failed
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False),
    Column("changed", Integer, nullable=False),       # enterprises whose tags changed
    Column("cursor", String(18), nullable=False),     # the last enterprise done, in code order
    Column("lease_until", UtcDateTime()),             # a runner holds the job until then
    Column("error", Text),
    Column("actor", JSON),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Index("jobs_by_state", "state", "id"),
)

# Published policies and the tags their rules use, as the policy service's events tell it
# (domain.policy_uses): a tag a published policy uses is not retired.
policies_heard = Table(
    "policies_heard", metadata,
    Column("policy_id", BigInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),       # the policy version last heard; 0: none yet
    Column("in_force", Boolean, nullable=False),      # false once withdrawn or expired, for good
    Column("title", String(300)),
    Column("department", String(100)),
)

tag_uses = Table(
    "tag_uses", metadata,
    Column("code", String(100), primary_key=True),
    Column("policy_id", BigInteger, primary_key=True),
)
