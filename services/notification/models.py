"""The notification service's own tables."""
from sqlalchemy import BigInteger, Column, MetaData, String, Table, UniqueConstraint

from shared.database import UtcDateTime, serial_id

metadata = MetaData()

notifications = Table(
    "notifications", metadata,
    serial_id(),
    Column("uscc", String(18), nullable=False),
    # what the notice is about: `policy` (subject_id is the policy's id) or `evaluation` (an evaluation
    # round's questionnaire; subject_id is the round's id)
    Column("subject", String(20), nullable=False),
    Column("subject_id", BigInteger, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("title", String(300), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime()),
    # "never twice for the same policy" (and one questionnaire per round): the database, not the code,
    # guarantees it. The same index serves an enterprise's inbox (uscc first), so no second index
    # slows bulk inserts.
    UniqueConstraint("uscc", "subject", "subject_id", "kind", name="one_notification_per_subject"),
)
