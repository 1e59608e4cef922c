"""The in-app inbox: one `policy_matched` notification per enterprise and policy, ever."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.notification.models import notifications
from shared.contracts.applications import ApplicationAction, Stage
from shared.contracts.events import ApplicationChanged, MatchesChanged
from shared.database import database_time, fast_delete, fast_insert
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


# What an application's move tells the enterprise: what it must do (confirm, add material) and the
# outcome, once, in one reply. Other moves are visible on the application itself.
APPLICATION_NOTICES = {
    Stage.confirmation: ("proactive_offer", "免申即享：{title}，预计可获 {amount}，请确认"),
    Stage.returned: ("application_returned", "申请被退回补充材料：{title}"),
    Stage.completed: ("application_completed", "申请已办结，资金已拨付：{title}（{amount}）"),
    Stage.rejected: ("application_rejected", "申请未通过：{title}"),
}
# a rejection that is the platform withdrawing its own proactive offer says so
WITHDRAWN_NOTICE = ("proactive_offer_withdrawn", "免申即享要约已撤回：{title}（已不再匹配该政策）")


def tells_the_enterprise(event: ApplicationChanged) -> bool:
    return event.to_stage in APPLICATION_NOTICES


def deliver_application_changes(session: Session, events: list[ApplicationChanged], now: datetime) -> int:
    """Tell the enterprise of these moves; returns how many notices were written.

    The inbox keeps one notice per enterprise, policy and kind. A later one of the same kind (an offer
    made again after it was withdrawn, a second application's outcome) takes the earlier one's place:
    written anew, so it is the newest and unread, and the latest word on that policy is never dropped."""
    latest: dict[tuple[str, int, str], tuple] = {}
    stamp = database_time(session.bind.dialect.name, now)
    for event in events:
        withdrawn = event.action == ApplicationAction.withdraw
        notice = WITHDRAWN_NOTICE if withdrawn else APPLICATION_NOTICES.get(event.to_stage)
        if notice is None:
            continue
        kind, template = notice
        amount = "—" if event.amount is None else f"{event.amount:,.2f} 元"
        key = (event.uscc, event.policy_id, kind)
        latest.pop(key, None)   # a repeat within the batch goes after what came between
        latest[key] = (*key, template.format(title=event.policy_title, amount=amount)[:300], stamp)
    fast_delete(session, notifications, ("uscc", "policy_id", "kind"), list(latest))
    # in event order, so ids (the inbox's order) follow the moves
    return fast_insert(session, notifications, ("uscc", "policy_id", "kind", "title", "created_at"),
                       list(latest.values()))


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
