"""Accounts: staff and enterprise tokens (contract section 5), in the gateway's own database.

A token is shown once, when its account is created; only its SHA-256 digest is stored. Every
request looks its token up here (`AccountDirectory.find`), through a short in-process cache so
a busy gateway does not read the database per request; a disabled account stops working within
`CACHE_TTL_S` on every gateway process.
"""
from __future__ import annotations

import secrets
import time
from datetime import datetime

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider, SharedExtension
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, func, insert, select, update

from services.gateway.auth import Caller, Role, token_digest
from shared import clock
from shared.config import settings
from shared.database import UtcDateTime, engine_for
from shared.errors import Conflict, NotFound
from shared.store import create_schema

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
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

ACCOUNT_KINDS = ("staff", "enterprise", "system")
CACHE_TTL_S = 30.0
TOKEN_PREFIX = "hq_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def caller_id(row) -> str:
    return f"{row.kind}-{row.id}"


def _caller(row) -> Caller:
    return Caller(role=Role(row.role), id=caller_id(row), department=row.department, county=row.county,
                  uscc=row.uscc, name=row.name, source=row.source)


def public(row) -> dict:
    shown = {"id": caller_id(row), "name": row.name, "role": row.role, "department": row.department,
             "county": row.county, "uscc": row.uscc, "source": row.source, "created_at": row.created_at.isoformat(),
             "created_by": row.created_by, "disabled_at": row.disabled_at and row.disabled_at.isoformat()}
    return {key: value for key, value in shown.items() if value is not None or key == "disabled_at"}


class AccountDirectory(SharedExtension):
    """One per gateway process: the accounts database and the token cache."""

    def setup(self):
        self.engine = engine_for(settings().database_url_for("gateway"), pool_size=4)
        create_schema(self.engine, metadata)
        self._cache: dict[str, tuple[float, Caller | None]] = {}
        self._writing = Semaphore(1)  # SQLite has one writer at a time; writers queue here, not in its busy wait

    def stop(self):
        self.engine.dispose()

    def kill(self):
        self.engine.dispose()

    def find(self, digest: str) -> Caller | None:
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        with self.engine.connect() as connection:
            row = connection.execute(select(accounts).where(accounts.c.token_digest == digest,
                                                            accounts.c.disabled_at.is_(None))).first()
        caller = _caller(row) if row is not None else None
        if len(self._cache) > 100_000:  # wrong tokens are cached too; never let them grow without bound
            self._cache.clear()
        self._cache[digest] = (time.monotonic() + CACHE_TTL_S, caller)
        return caller

    def create(self, *, kind: str, name: str, role: Role, created_by: str, department: str | None = None,
               county: str | None = None, uscc: str | None = None, source: str | None = None) -> dict:
        """The new account, with its `token` (shown this once)."""
        token = new_token()
        values = {"kind": kind, "name": name, "role": role.value, "department": department, "county": county,
                  "uscc": uscc, "source": source, "token_digest": token_digest(token), "created_at": clock.now(),
                  "created_by": created_by}
        with self._writing, self.engine.begin() as connection:
            account_id = connection.execute(insert(accounts).values(**values)).inserted_primary_key[0]
            row = connection.execute(select(accounts).where(accounts.c.id == account_id)).one()
        return {**public(row), "token": token}

    def list(self, *, kind: str | None, limit: int, offset: int) -> dict:
        query = select(accounts).where(*([accounts.c.kind == kind] if kind else []))
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = connection.execute(query.order_by(accounts.c.id).limit(limit).offset(offset)).all()
        return {"items": [public(row) for row in rows], "total": total}

    def disable(self, account_id: str, disabled_by: str) -> dict:
        kind, _, number = account_id.partition("-")
        if kind not in ACCOUNT_KINDS or not number.isdigit():
            raise NotFound(f"no account {account_id}", {"id": account_id})
        now: datetime = clock.now()
        with self._writing, self.engine.begin() as connection:
            row = connection.execute(select(accounts).where(accounts.c.id == int(number),
                                                            accounts.c.kind == kind)).first()
            if row is None:
                raise NotFound(f"no account {account_id}", {"id": account_id})
            if row.disabled_at is not None:
                raise Conflict(f"account {account_id} was already disabled",
                               {"disabled_at": row.disabled_at.isoformat()})
            connection.execute(update(accounts).where(accounts.c.id == row.id)
                               .values(disabled_at=now, disabled_by=disabled_by))
            row = connection.execute(select(accounts).where(accounts.c.id == row.id)).one()
        self._cache.pop(row.token_digest, None)
        return public(row)


class Accounts(DependencyProvider):
    """The directory, for the gateway's workers."""

    directory = AccountDirectory()

    def get_dependency(self, worker_ctx):
        return self.directory

