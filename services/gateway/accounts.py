"""Accounts: staff, enterprise and system tokens (contract sections 5 and 14), in the gateway's own
database.

A token is shown once, when its account is created; only its SHA-256 digest is stored. Every
request looks its token up here (`AccountDirectory.find`), through an in-process cache
(`token_cache`) so a busy gateway does not read the database per request. A disabled account
stops working on every gateway replica at once: the disable commits an `AccountChanged` to the
gateway's outbox with it, the relay broadcasts it on `huiqi.accounts`, and every replica's
listener (`account_changes`) drops the account's tokens; the disable answers once this replica
has heard its own broadcast back, by which time the broker has handed it to every replica.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from eventlet.semaphore import Semaphore
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider, SharedExtension
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, func, insert, select, update

from services.gateway.account_changes import AccountChangeListener
from services.gateway.auth import Caller, Role, token_digest
from services.gateway.token_cache import TokenCache
from shared import clock
from shared import messaging_tables as tables
from shared.config import settings
from shared.contracts.accounts import AccountChanged
from shared.database import UtcDateTime, engine_for
from shared.errors import Conflict, NotFound
from shared.logs import get_logger
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.relay import OutboxRelay
from shared.store import create_schema
from shared.topology import ACCOUNT_CHANGES

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
TOKEN_PREFIX = "hq_"
# how long a disable waits to hear its broadcast back; past it the answer goes anyway (the relay
# keeps trying, and a replica that missed it forgets every token when it reconnects)
BROADCAST_WAIT_S = 2.0
_INSERT_OUTBOX = insert(tables.outbox).returning(tables.outbox.c.id)


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
    """One per gateway process: the accounts database, the token cache, the outbox relay of account
    changes and the listener that hears every replica's."""

    def setup(self):
        self.engine = engine_for(settings().database_url_for("gateway"), pool_size=4)
        create_schema(self.engine, metadata)
        self.tokens = TokenCache()
        self._writing = Semaphore(1)  # SQLite has one writer at a time; writers queue here, not in its busy wait
        amqp_uri = self.container.config.get(AMQP_URI_CONFIG_KEY) or settings().amqp_uri
        self.log = get_logger("huiqi.gateway.accounts", service="gateway")
        self.publisher = ConfirmingPublisher(amqp_uri)
        self.relay = OutboxRelay(self.engine, self.publisher, lambda: self._writing, self.log)
        self.listener = AccountChangeListener(amqp_uri, on_change=self._heard, on_connect=self.tokens.clear,
                                              log=self.log)
        self._running = False
        self._threads = []

    def start(self):
        self._running = True
        self._threads = [
            self.container.spawn_managed_thread(lambda: self.relay.run(lambda: self._running),
                                                identifier="account-changes-relay"),
            self.container.spawn_managed_thread(lambda: self.listener.run(lambda: self._running),
                                                identifier="account-changes-listener")]

    def stop(self):
        self._running = False
        self.relay.wake()
        for thread in self._threads:
            thread.wait()
        try:
            self.relay.finish()
        except Exception as error:  # noqa: BLE001 - what was sent and not deleted is sent again at start
            self.log.warning("outbox_cleanup_failed", error=str(error))
        self.publisher.close()
        self.engine.dispose()

    def kill(self):
        self._running = False
        for thread in self._threads:
            thread.kill()
        self.publisher.close()
        self.engine.dispose()

    def find(self, digest: str) -> Caller | None:
        return self.tokens.find(digest, self._read)

    def _read(self, digest: str) -> Caller | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(accounts).where(accounts.c.token_digest == digest,
                                                            accounts.c.disabled_at.is_(None))).first()
        return _caller(row) if row is not None else None

    def _heard(self, change: AccountChanged) -> None:
        forgotten = self.tokens.forget_account(change.account_id)
        self.log.info("account_change_heard", account_id=change.account_id, change=change.change,
                      tokens_forgotten=forgotten)

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

    def disable(self, account_id: str, disabled_by: str, correlation_id: str | None = None) -> dict:
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
            change = AccountChanged(account_id=account_id, change="disabled")
            message = Outgoing(ACCOUNT_CHANGES.name, change.routing_key, change.model_dump_json(), change.event_id,
                               correlation_id)
            outbox_id = connection.execute(_INSERT_OUTBOX, {
                "event_id": message.message_id, "exchange": message.exchange, "routing_key": message.routing_key,
                "body": message.body, "correlation_id": correlation_id, "created_at": now}).scalar_one()
        self.tokens.forget_account(account_id)   # this replica at once, whatever the broker does
        heard = self.listener.awaiting(change.event_id)
        self.relay.hand_over([(outbox_id, message)])
        if heard.wait(BROADCAST_WAIT_S) is None:
            self.listener.forget(change.event_id)
            self.log.warning("account_change_not_heard_back", account_id=account_id, waited_s=BROADCAST_WAIT_S)
        return public(row)


class Accounts(DependencyProvider):
    """The directory, for the gateway's workers."""

    directory = AccountDirectory()

    def get_dependency(self, worker_ctx):
        return self.directory

