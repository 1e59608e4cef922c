"""The notification service's own tables."""
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint
from sqlalchemy.types import Boolean

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

# The notification service's copy of every staff account (`account.staff_changed` from the accounts service):
# its role and scope say which alarms it is responsible for, its phone and e-mail where they reach it
# (services/notification/staff_alarms.py). A disabled account stays disabled.
staff_contacts = Table(
    "staff_contacts", metadata,
    Column("account_id", String(30), primary_key=True),
    Column("role", String(30), nullable=False),
    Column("department", String(100)),
    Column("county", String(6)),
    Column("team_id", BigInteger),
    Column("phone", String(20)),
    Column("email", String(254)),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),   # when the account changed so (the event's occurred_at)
    Index("staff_contacts_by_role", "role", "active"),
)

# Every message beyond the inbox (contract section 11; services/notification/domain/delivery.py): written in
# the transaction that writes its notice, sent after commit by the service's sender, which records each
# attempt here. `idempotency_key` is unique: the same message is never written twice, and providers that
# accept a key are given it, so a crash between sending and recording never sends it twice.
deliveries = Table(
    "deliveries", metadata,
    serial_id(),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("uscc", String(18)),                       # the enterprise's; none for a staff alarm's
    Column("account_id", String(30)),                 # the staff account a staff alarm's goes to
    Column("kind", String(40), nullable=False),       # the notice's kind, `digest`, or `alarm`
    Column("notification_id", BigInteger),            # the notice (none for a digest)
    Column("channel", String(10), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("text", String(500), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime()),          # when the sender takes it (queued, deferred)
    Column("reason", String(500)),                     # why deferred or failed
    Column("provider_answer", Text),
    Column("provider_id", String(200)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Index("deliveries_due", "status", "next_attempt_at"),
    Index("deliveries_of_enterprise", "uscc", "id"),
    Index("deliveries_of_staff", "account_id", "id"),
    Index("deliveries_to_recipient", "recipient", "sent_at"),
)
