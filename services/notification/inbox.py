"""The in-app inbox: one `policy_matched` notification per enterprise and policy, ever; what an
application needs of the enterprise and its outcome; one invitation per evaluation round to answer
its questionnaire. And what the inbox tells the evaluation service: notices delivered, notices read."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from operator import itemgetter

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.notification.models import notifications
from shared.contracts.applications import ApplicationAction, Stage
from shared.contracts.events import (
    ApplicationChanged,
    MatchesChanged,
    NotificationRead,
    NotificationsDelivered,
    SurveyOpened,
)
from shared.database import database_time, fast_delete, fast_insert
from shared.errors import NotFound

POLICY_MATCHED = "policy_matched"
SURVEY = "survey"
# what a notice is about (the `subject` column): a policy, or an evaluation round (its questionnaire)
ABOUT_POLICY = "policy"
ABOUT_EVALUATION = "evaluation"
SURVEY_TITLE = "「{name}」问卷邀请"

_COLUMNS = ("uscc", "subject", "subject_id", "kind", "title", "created_at")
_ENTERPRISE = itemgetter(0)   # a row's uscc


def deliver_matches(session: Session, events: list[MatchesChanged], now: datetime) -> Counter[int]:
    """Put a notification in each newly matched enterprise's inbox; returns how many were new, per
    policy (policies with none left out).

    The unique key (uscc, subject, subject_id, kind) makes a second match of the same policy a no-op."""
    stamp = database_time(session.bind.dialect.name, now)
    created: Counter[int] = Counter()
    for event in events:
        rows = {}
        for policy_id, usccs in event.matched.items():
            title = event.titles.get(policy_id, f"政策 {policy_id}")
            if usccs:
                rows[policy_id] = [(uscc, ABOUT_POLICY, policy_id, POLICY_MATCHED, title, stamp) for uscc in usccs]
        created.update(_insert_counted(session, rows))
    return +created


def _insert_counted(session: Session, rows: dict[int, list[tuple]]) -> dict[int, int]:
    """Insert each policy's rows, skipping those the inbox holds already; how many were new, per policy.

    Usually every one is new, and one statement writes them all; when some were not (a match lost and
    found again), that statement is undone and each policy's rows are written by one of their own, whose
    count is then known."""
    # enterprise by enterprise: each one's notices land together in the unique index (uscc first)
    every = sorted((row for policy_rows in rows.values() for row in policy_rows), key=_ENTERPRISE)
    savepoint = session.begin_nested()
    if fast_insert(session, notifications, _COLUMNS, every, ignore_duplicates=True) == len(every):
        savepoint.commit()
        return {policy_id: len(policy_rows) for policy_id, policy_rows in rows.items()}
    savepoint.rollback()
    return {policy_id: fast_insert(session, notifications, _COLUMNS, policy_rows, ignore_duplicates=True)
            for policy_id, policy_rows in rows.items()}


def delivered(created: Counter[int], now: datetime) -> NotificationsDelivered:
    """What the evaluation service counts as enterprises notified: the pushes just created, per policy."""
    return NotificationsDelivered(kind=POLICY_MATCHED, counts=dict(created), occurred_at=now)


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
    latest: dict[tuple[str, str, int, str], tuple] = {}
    stamp = database_time(session.bind.dialect.name, now)
    for event in events:
        withdrawn = event.action == ApplicationAction.withdraw
        notice = WITHDRAWN_NOTICE if withdrawn else APPLICATION_NOTICES.get(event.to_stage)
        if notice is None:
            continue
        kind, template = notice
        amount = "—" if event.amount is None else f"{event.amount:,.2f} 元"
        key = (event.uscc, ABOUT_POLICY, event.policy_id, kind)
        latest.pop(key, None)   # a repeat within the batch goes after what came between
        latest[key] = (*key, template.format(title=event.policy_title, amount=amount)[:300], stamp)
    fast_delete(session, notifications, ("uscc", "subject", "subject_id", "kind"), list(latest))
    # in event order, so ids (the inbox's order) follow the moves
    return fast_insert(session, notifications, _COLUMNS, list(latest.values()))


def deliver_survey(session: Session, event: SurveyOpened, now: datetime) -> int:
    """Invite each of the event's enterprises to answer the round's questionnaire, once per round (the
    unique key again); returns how many invitations were new."""
    stamp = database_time(session.bind.dialect.name, now)
    title = SURVEY_TITLE.format(name=event.title[:300 - len(SURVEY_TITLE)])
    rows = [(uscc, ABOUT_EVALUATION, event.evaluation_id, SURVEY, title, stamp) for uscc in dict.fromkeys(event.usccs)]
    return fast_insert(session, notifications, _COLUMNS, rows, ignore_duplicates=True)


def inbox(session: Session, uscc: str, *, limit: int, offset: int) -> dict:
    query = (select(notifications).where(notifications.c.uscc == uscc)
             .order_by(notifications.c.id.desc()).limit(limit).offset(offset))
    items = [_public(row) for row in session.execute(query)]
    total = session.execute(select(func.count()).select_from(notifications)
                            .where(notifications.c.uscc == uscc)).scalar_one()
    unread = session.execute(select(func.count()).select_from(notifications)
                             .where(notifications.c.uscc == uscc, notifications.c.read_at.is_(None))).scalar_one()
    return {"items": items, "total": total, "unread": unread}


def mark_read(session: Session, uscc: str, notification_id: int, now: datetime) -> tuple[dict, NotificationRead | None]:
    """The notice, read; and the event of its first reading (None when it was read before)."""
    row = session.execute(select(notifications).where(notifications.c.id == notification_id,
                                                      notifications.c.uscc == uscc)).first()
    if row is None:
        raise NotFound(f"no notification {notification_id} for enterprise {uscc}")
    if row.read_at is not None:
        return _public(row), None
    # only the first reader's update finds it unread: two readings at once make one event
    first = session.execute(update(notifications).where(notifications.c.id == notification_id,
                                                        notifications.c.read_at.is_(None))
                            .values(read_at=now).returning(notifications.c.id)).first() is not None
    notice = _public(session.execute(select(notifications).where(notifications.c.id == notification_id)).one())
    if not first:
        return notice, None
    return notice, NotificationRead(notification_id=notification_id, uscc=uscc, kind=notice["kind"],
                                    policy_id=notice["policy_id"], evaluation_id=notice["evaluation_id"],
                                    read_at=now, occurred_at=now)


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(notifications)).scalar_one()


def _public(row) -> dict:
    return {"id": row.id, "policy_id": row.subject_id if row.subject == ABOUT_POLICY else None,
            "evaluation_id": row.subject_id if row.subject == ABOUT_EVALUATION else None,
            "kind": row.kind, "title": row.title,
            "created_at": row.created_at.isoformat(), "read_at": row.read_at and row.read_at.isoformat()}
