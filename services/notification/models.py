"""The notification service's own tables."""
from sqlalchemy import JSON, BigInteger, Column, MetaData, String, Table, UniqueConstraint

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

# One row per enterprise that saved its notification preferences (services/notification/domain/preferences.py);
# an enterprise without one has the defaults.
notification_preferences = Table(
    "notification_preferences", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("kinds", JSON, nullable=False),          # notice kind -> channels
    Column("quiet_start", String(5), nullable=False),
    Column("quiet_end", String(5), nullable=False),
    Column("digest", String(10), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# One row per enterprise that gave its contacts (services/notification/domain/contacts.py): where SMS and
# e-mail reach it.
notification_contacts = Table(
    "notification_contacts", metadata,
    Column("uscc", String(18), primary_key=True),
    Column("phone", String(20)),
    Column("email", String(254)),
    Column("updated_at", UtcDateTime(), nullable=False),
)
