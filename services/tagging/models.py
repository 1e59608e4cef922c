"""The tagging service's own tables: one file per enterprise (一企一档), its history, quarantine."""
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from shared.database import UtcDateTime

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
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("source", String(100), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("last_applied", BigInteger, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

quarantine = Table(
    "quarantine", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
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
