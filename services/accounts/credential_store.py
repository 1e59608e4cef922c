"""Logins and passwords, sessions, registrations and rate-limit events (models.py).

Each function takes the connection of the caller's transaction (or read); the rules deciding what
to write are the domain's (`services.accounts.domain`).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from services.accounts.models import accounts, credentials, rate_events, registrations, sessions
from shared.errors import Conflict

# rate events older than this count in no window (the longest is an hour): deleted as new ones come
RATE_EVENTS_KEPT = timedelta(days=1)


# credentials ---------------------------------------------------------------------------------
def login_taken(connection: Connection, login: str) -> bool:
    return connection.execute(select(credentials.c.id).where(credentials.c.login == login)).first() is not None


def add_credential(connection: Connection, *, account_number: int, login: str, password_hash: str,
                   now: datetime) -> None:
    """Conflict if the login is someone's already."""
    if login_taken(connection, login):
        raise Conflict(f"the login {login} is taken", {"field": "login", "login": login})
    connection.execute(insert(credentials).values(account_id=account_number, login=login,
                                                  password_hash=password_hash, changed_at=now))


def by_login(connection: Connection, login: str) -> Mapping[str, Any] | None:
    """The credential with this login and its account (`account_*` columns), or None."""
    row = connection.execute(
        select(credentials.c.password_hash, credentials.c.login, *[column.label(f"account_{column.name}")
                                                                   for column in accounts.c])
        .join(accounts, accounts.c.id == credentials.c.account_id)
        .where(credentials.c.login == login)).first()
    return None if row is None else row._mapping


def of_account(connection: Connection, account_number: int) -> Mapping[str, Any] | None:
    row = connection.execute(select(credentials).where(credentials.c.account_id == account_number)).first()
    return None if row is None else row._mapping


def set_password_hash(connection: Connection, account_number: int, password_hash: str, now: datetime) -> None:
    connection.execute(update(credentials).where(credentials.c.account_id == account_number)
                       .values(password_hash=password_hash, changed_at=now))


def account_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The account's own columns of a `by_login` row."""
    return {name.removeprefix("account_"): value for name, value in row.items() if name.startswith("account_")}


# sessions ------------------------------------------------------------------------------------
def open_session(connection: Connection, *, digest: str, account_number: int, csrf_digest: str,
                 address: str | None, now: datetime) -> None:
    connection.execute(insert(sessions).values(digest=digest, account_id=account_number, csrf_digest=csrf_digest,
                                               address=address, created_at=now, last_seen=now))


def session_with_account(connection: Connection, digest: str) -> Mapping[str, Any] | None:
    """The session with this digest and its account (`account_*` columns), unless the account is disabled."""
    row = connection.execute(
        select(sessions.c.id.label("session_id"), sessions.c.csrf_digest, sessions.c.created_at,
               sessions.c.last_seen, *[column.label(f"account_{column.name}") for column in accounts.c])
        .join(accounts, accounts.c.id == sessions.c.account_id)
        .where(sessions.c.digest == digest, accounts.c.disabled_at.is_(None))).first()
    return None if row is None else row._mapping


def touch_session(connection: Connection, session_id: int, now: datetime) -> None:
    connection.execute(update(sessions).where(sessions.c.id == session_id).values(last_seen=now))


def end_session(connection: Connection, digest: str) -> int | None:
    """Delete the session; the number of its account, or None if there was no such session."""
    row = connection.execute(select(sessions.c.account_id).where(sessions.c.digest == digest)).first()
    if row is None:
        return None
    connection.execute(delete(sessions).where(sessions.c.digest == digest))
    return row.account_id


def end_sessions_of(connection: Connection, account_number: int, *, keep_digest: str | None = None) -> int:
    """Delete the account's sessions (but the one kept); how many."""
    query = delete(sessions).where(sessions.c.account_id == account_number)
    if keep_digest is not None:
        query = query.where(sessions.c.digest != keep_digest)
    return connection.execute(query).rowcount


def end_sessions_before(connection: Connection, account_number: int, cutoff: datetime) -> None:
    """Delete the account's sessions last seen before `cutoff` (long over)."""
    connection.execute(delete(sessions).where(sessions.c.account_id == account_number,
                                              sessions.c.last_seen < cutoff))


# registrations -------------------------------------------------------------------------------
def add_registration(connection: Connection, *, registration_id: str, uscc: str, phone: str, code_digest: str,
                     state: str, address: str | None, now: datetime, expires_at: datetime) -> None:
    connection.execute(insert(registrations).values(
        id=registration_id, uscc=uscc, phone=phone, code_digest=code_digest, wrong_tries=0, state=state,
        address=address, created_at=now, expires_at=expires_at))


def replace_waiting(connection: Connection, uscc: str, *, waiting: str, replaced: str) -> None:
    """Earlier registrations of the enterprise still waiting for their code take it no more."""
    connection.execute(update(registrations).where(registrations.c.uscc == uscc, registrations.c.state == waiting)
                       .values(state=replaced))


def registration(connection: Connection, registration_id: str) -> Mapping[str, Any] | None:
    row = connection.execute(select(registrations).where(registrations.c.id == registration_id)
                             .with_for_update()).first()
    return None if row is None else row._mapping


def settle_registration(connection: Connection, registration_id: str, *, state: str, wrong_tries: int,
                        account_number: int | None = None) -> None:
    connection.execute(update(registrations).where(registrations.c.id == registration_id)
                       .values(state=state, wrong_tries=wrong_tries, account_id=account_number))


# rate limits ---------------------------------------------------------------------------------
def rate_times(connection: Connection, kind: str, key: str, since: datetime) -> list[datetime]:
    return list(connection.execute(select(rate_events.c.at).where(
        rate_events.c.kind == kind, rate_events.c.key == key, rate_events.c.at > since)).scalars())


def record_rate_event(connection: Connection, kind: str, key: str, now: datetime) -> None:
    connection.execute(delete(rate_events).where(rate_events.c.kind == kind, rate_events.c.key == key,
                                                 rate_events.c.at < now - RATE_EVENTS_KEPT))
    connection.execute(insert(rate_events).values(kind=kind, key=key, at=now))


def clear_rate_events(connection: Connection, kind: str, key: str) -> None:
    connection.execute(delete(rate_events).where(rate_events.c.kind == kind, rate_events.c.key == key))
