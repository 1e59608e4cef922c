"""Tables every service database holds for reliable messaging: outbox, inbox, dead letters."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text

from shared.database import UtcDateTime, serial_id

metadata = MetaData()


def _message(*, event_id_required: bool) -> tuple[Column, ...]:
    """A message on the bus, as both tables keep it: where it goes, its body, what it is."""
    return (Column("event_id", String(100), nullable=not event_id_required),
            Column("exchange", String(100), nullable=False),
            Column("routing_key", String(200), nullable=False),
            Column("body", Text, nullable=False),
            Column("correlation_id", String(100)))


# Events committed with the state they describe; the relay publishes then deletes them.
outbox = Table(
    "outbox", metadata,
    serial_id(),
    *_message(event_id_required=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Event ids already handled, per consumer: a second delivery has no second effect. Kept for
# HUIQI_INBOX_RETENTION_DAYS (shared.inbox_pruning): the index lets the pruner find the oldest rows
# without reading the table.
inbox = Table(
    "inbox", metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(100), primary_key=True),
    Column("handled_at", UtcDateTime(), nullable=False),
    Index("inbox_by_handled_at", "handled_at"),
)

# Messages whose handler failed, or events the broker could not route: kept with the reason.
dead_letters = Table(
    "dead_letters", metadata,
    serial_id(),
    Column("queue", String(200), nullable=False),
    *_message(event_id_required=False),   # a body that was never a valid event has no id
    Column("headers", JSON, nullable=False),
    Column("error", Text, nullable=False),
    Column("traceback", Text, nullable=False),
    Column("failed_at", UtcDateTime(), nullable=False),
    Column("replayed_at", UtcDateTime()),
    Column("replay_count", Integer, nullable=False, default=0),
)
