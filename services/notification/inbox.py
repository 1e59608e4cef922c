"""The in-app inbox: one `policy_matched` notification per enterprise and policy, ever."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.notification.models import notifications
from shared.contracts.events import MatchesChanged
from shared.database import database_time, fast_insert
from shared.errors import NotFound

POLICY_MATCHED = "policy_matched"


def deliver_matches(session: Session, event: MatchesChanged, now: datetime) -> int:
    """Put a notification in each newly matched enterprise's inbox; returns how many were new.

    The unique key (uscc, policy_id, kind) makes a second match of the same policy a no-op."""
    stamp = database_time(session.bind.dialect.name, now)
    rows = [(uscc, policy_id, POLICY_MATCHED, event.titles.get(policy_id, f"政策 {policy_id}"), stamp)
            for policy_id, usccs in event.matched.items() for uscc in usccs]
    return fast_insert(session, notifications, ("uscc", "policy_id", "kind", "title", "created_at"), rows,
                       ignore_duplicates=True)


def inbox(session: Session, uscc: str, *, limit: int, offset: int) -> dict:
    query = (select(notifications).where(notifications.c.uscc == uscc)
             .order_by(notifications.c.id.desc()).limit(limit).offset(offset))
    items = [_public(row) for row in session.execute(query)]
    total = session.execute(select(func.count()).select_from(notifications)
                            .where(notifications.c.uscc == uscc)).scalar_one()
    unread = session.execute(select(func.count()).select_from(notifications)
                             .where(notifications.c.uscc == uscc, notifications.c.read_at.is_(None))).scalar_one()
    return {"items": items, "total": total, "unread": unread}


def mark_read(session: Session, uscc: str, notification_id: int, now: datetime) -> dict:
    row = session.execute(select(notifications).where(notifications.c.id == notification_id,
                                                      notifications.c.uscc == uscc)).first()
    if row is None:
        raise NotFound(f"no notification {notification_id} for enterprise {uscc}")
    if row.read_at is None:
        session.execute(update(notifications).where(notifications.c.id == notification_id).values(read_at=now))
        row = session.execute(select(notifications).where(notifications.c.id == notification_id)).first()
    return _public(row)


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(notifications)).scalar_one()


def _public(row) -> dict:
    return {"id": row.id, "policy_id": row.policy_id, "kind": row.kind, "title": row.title,
            "created_at": row.created_at.isoformat(), "read_at": row.read_at and row.read_at.isoformat()}
