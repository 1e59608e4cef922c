"""The accounts service's own tables.

`accounts` holds every account and its token's digest. Beside it, for people who sign in through
the portal (contract section 12): `credentials` (an account's login and password hash),
`sessions` (a session id's digest, never the id), `registrations` (an enterprise's one-time code, as
a digest) and `rate_events` (sign-in failures and codes sent, counted by sliding windows; in the
database so that every replica counts the same). The rules are in `domain/`, never the gateway's.
"""
from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, String, Table

from shared.database import UtcDateTime, serial_id

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    serial_id(),
    Column("kind", String(20), nullable=False),         # staff, enterprise or system
    Column("name", String(200), nullable=False),
    Column("role", String(30), nullable=False),
    Column("department", String(100)),
    Column("county", String(6)),
    Column("uscc", String(18)),
    Column("source", String(100)),                      # a system's: the events it may publish
    Column("team_id", BigInteger),                      # a counsellor's team (the counselling service's)
    Column("phone", String(11)),                        # a staff member's: where alarms reach them by SMS
    Column("email", String(254)),                       # and by e-mail (contract section 11)
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("disabled_at", UtcDateTime()),
    Column("disabled_by", String(100)),
)

_ACCOUNT_ID = BigInteger().with_variant(Integer, "sqlite")

credentials = Table(
    "credentials", metadata,
    serial_id(),
    Column("account_id", _ACCOUNT_ID, ForeignKey("accounts.id"), nullable=False, unique=True),
    Column("login", String(32), nullable=False, unique=True),   # a USCC, or a staff member's chosen login
    Column("password_hash", String(200), nullable=False),        # argon2id
    Column("changed_at", UtcDateTime(), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    serial_id(),
    Column("digest", String(64), nullable=False, unique=True),
    Column("account_id", _ACCOUNT_ID, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("csrf_digest", String(64), nullable=False),
    Column("address", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
)

registrations = Table(
    "registrations", metadata,
    Column("id", String(32), primary_key=True),   # random: the confirmation's URL names it
    Column("uscc", String(18), nullable=False, index=True),
    Column("phone", String(11), nullable=False),
    Column("code_digest", String(64), nullable=False),
    Column("wrong_tries", Integer, nullable=False, default=0),
    Column("state", String(20), nullable=False),      # waiting, confirmed, locked
    Column("address", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("account_id", _ACCOUNT_ID, ForeignKey("accounts.id")),
)

rate_events = Table(
    "rate_events", metadata,
    serial_id(),
    Column("kind", String(30), nullable=False),   # sign_in_login, sign_in_address, code_sent
    Column("key", String(100), nullable=False),   # the login, the client address, the USCC
    Column("at", UtcDateTime(), nullable=False),
    Index("rate_events_by_key", "kind", "key", "at"),
)
