"""The notification service's own tables."""
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint

from shared.database import UtcDateTime, serial_id

metadata = MetaData()

notifications = Table(
    "notifications", metadata,
    serial_id(),
    Column("uscc", String(18), nullable=False),
    Column("policy_id", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("title", String(300), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime()),
    # "never twice for the same policy": the database, not the code, guarantees it. The same
    # index serves an enterprise's inbox (uscc first), so no second index slows bulk inserts.
    UniqueConstraint("uscc", "policy_id", "kind", name="one_notification_per_policy"),
)
