"""The accounts service's own tables.

Passwords and sessions (the portal) will live here too, in tables of their own beside `accounts`
(one row per account's credential, one per session), checked by the domain, never by the gateway.
"""
from sqlalchemy import Column, MetaData, String, Table

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
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("disabled_at", UtcDateTime()),
    Column("disabled_by", String(100)),
)
