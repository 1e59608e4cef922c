"""The accounts table: create, list, disable, change a staff member's contacts, and find the account a
token digest belongs to.

Each function takes the connection of the caller's transaction (or read); what changes, the
service records with the change it broadcasts (`AccountChanged`), in the same transaction.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from services.accounts.domain.accounts import parse_account_id
from services.accounts.models import accounts
from shared.errors import Conflict, NotFound
from shared.phones import contacts_changed


def create(connection: Connection, *, kind: str, name: str, role: str, digest: str, created_by: str,
           now: datetime, department: str | None = None, county: str | None = None, uscc: str | None = None,
           source: str | None = None, team_id: int | None = None, phone: str | None = None,
           email: str | None = None) -> Mapping[str, Any]:
    values = {"kind": kind, "name": name, "role": role, "department": department, "county": county, "uscc": uscc,
              "source": source, "team_id": team_id, "phone": phone, "email": email, "token_digest": digest,
              "created_at": now, "created_by": created_by}
    number = connection.execute(insert(accounts).values(**values)).inserted_primary_key[0]
    return connection.execute(select(accounts).where(accounts.c.id == number)).one()._mapping


def listed(connection: Connection, *, kind: str | None, limit: int, offset: int) -> tuple[list[Mapping[str, Any]], int]:
    """A page of accounts in the order they were made, and how many there are in all."""
    query = select(accounts).where(*([accounts.c.kind == kind] if kind else []))
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = connection.execute(query.order_by(accounts.c.id).limit(limit).offset(offset)).all()
    return [row._mapping for row in rows], total


def disable(connection: Connection, account_id: str, *, disabled_by: str, now: datetime) -> Mapping[str, Any]:
    """The account, disabled now; NotFound if there is no such account, Conflict if it was disabled."""
    row = _found(connection, account_id)
    if row.disabled_at is not None:
        raise Conflict(f"account {account_id} was already disabled", {"disabled_at": row.disabled_at.isoformat()})
    connection.execute(update(accounts).where(accounts.c.id == row.id).values(disabled_at=now, disabled_by=disabled_by))
    return connection.execute(select(accounts).where(accounts.c.id == row.id)).one()._mapping


def set_contacts(connection: Connection, account_id: str, change: Mapping[str, Any]) -> Mapping[str, Any]:
    """The staff account with its `phone` and `email` changed (`shared.phones.contacts_changed`: null clears one,
    what `change` leaves out is kept); NotFound for no such account, Conflict for another kind's or a disabled
    one's, Invalid naming the field at fault."""
    row = _found(connection, account_id, for_update=True)
    if row.kind != "staff" or row.disabled_at is not None:
        raise Conflict(f"账号 {account_id} {'已停用' if row.disabled_at else '不是工作人员账号'}，不能设置告警联系方式",
                       {"id": account_id, "kind": row.kind, "disabled": row.disabled_at is not None})
    saved = contacts_changed({"phone": row.phone, "email": row.email}, change)
    connection.execute(update(accounts).where(accounts.c.id == row.id).values(**saved))
    return by_number(connection, row.id)


def _found(connection: Connection, account_id: str, *, for_update: bool = False):
    parsed = parse_account_id(account_id)
    row = None
    if parsed is not None:
        query = select(accounts).where(accounts.c.id == parsed[1], accounts.c.kind == parsed[0])
        row = connection.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"no account {account_id}", {"id": account_id})
    return row


def usable_by_digest(connection: Connection, digest: str) -> Mapping[str, Any] | None:
    """The account whose token has this digest, unless it is disabled."""
    row = connection.execute(select(accounts).where(accounts.c.token_digest == digest,
                                                    accounts.c.disabled_at.is_(None))).first()
    return None if row is None else row._mapping


def by_number(connection: Connection, number: int) -> Mapping[str, Any]:
    return connection.execute(select(accounts).where(accounts.c.id == number)).one()._mapping
