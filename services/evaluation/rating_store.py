"""Ratings (好差评), their history, and the follow-ups (差评回访) low ones open.

One rating per enterprise and subject; rating it again replaces the stars and comment, and every
version is kept in `rating_history` (the current one included, so a round counts the version that
stood at its cut-off). `domain` decides who may rate what and whether a follow-up opens; this
module keeps the rows.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update

from services.evaluation.models import follow_ups, rating_history, ratings
from shared.clock import CHINA
from shared.contracts.evaluation import FollowUpStatus
from shared.database import SessionOrConnection
from shared.errors import NotFound
from shared.workdays import Due, WorkingCalendar


def subject_key(subject: str, policy_id: int, application_id: int | None) -> str:
    return f"application:{application_id}" if application_id is not None else f"{subject}:{policy_id}"


def save(session: SessionOrConnection, *, uscc: str, subject: str, policy: Mapping[str, Any],
         application_id: int | None, stars: int, comment: str | None, now: datetime) -> int:
    """Keep the rating (replacing the enterprise's earlier one of the same subject) and its history entry;
    its id."""
    key = subject_key(subject, policy["policy_id"], application_id)
    values = {"stars": stars, "comment": comment, "rated_at": now, "department": policy["department"],
              "level": policy["level"], "county": policy["county"]}
    rating_id = session.execute(select(ratings.c.id).where(ratings.c.uscc == uscc, ratings.c.subject_key == key)
                                .with_for_update()).scalar()
    if rating_id is None:
        rating_id = session.execute(insert(ratings).values(
            subject_key=key, uscc=uscc, subject=subject, policy_id=policy["policy_id"], application_id=application_id,
            **values)).inserted_primary_key[0]
    else:
        session.execute(update(ratings).where(ratings.c.id == rating_id).values(**values))
    session.execute(insert(rating_history).values(rating_id=rating_id, policy_id=policy["policy_id"], stars=stars,
                                                  comment=comment, rated_at=now))
    return rating_id


def open_follow_up_of(session: SessionOrConnection, rating_id: int):
    """The rating's open follow-up, if it has one."""
    return session.execute(select(follow_ups).where(follow_ups.c.rating_id == rating_id,
                                                    follow_ups.c.status == FollowUpStatus.open)).first()


def open_follow_up(session: SessionOrConnection, rating_id: int, due: Due, now: datetime) -> int:
    rating = session.execute(select(ratings).where(ratings.c.id == rating_id)).one()
    return session.execute(insert(follow_ups).values(
        rating_id=rating_id, uscc=rating.uscc, policy_id=rating.policy_id, department=rating.department,
        level=rating.level, county=rating.county, stars=rating.stars, opened_at=now, due_at=due.at,
        due_provisional=due.provisional, status=FollowUpStatus.open)).inserted_primary_key[0]


def update_follow_up_stars(session: SessionOrConnection, follow_up_id: int, stars: int) -> None:
    session.execute(update(follow_ups).where(follow_ups.c.id == follow_up_id).values(stars=stars))


# --- reading ratings -------------------------------------------------------------------------------

def _scoped(table, scope: Mapping[str, Any]) -> list:
    return [table.c[name] == value for name, value in scope.items()]


def get(session: SessionOrConnection, rating_id: int, now: datetime) -> dict:
    row = session.execute(select(ratings).where(ratings.c.id == rating_id)).first()
    if row is None:
        raise NotFound(f"no rating {rating_id}", {"rating_id": rating_id})
    return _rating(session, row, now)


def row(session: SessionOrConnection, rating_id: int):
    return session.execute(select(ratings).where(ratings.c.id == rating_id)).first()


def _rating(session: SessionOrConnection, row, now: datetime) -> dict:
    history = session.execute(select(rating_history.c.stars, rating_history.c.comment, rating_history.c.rated_at)
                              .where(rating_history.c.rating_id == row.id).order_by(rating_history.c.id)).all()
    latest = session.execute(select(follow_ups).where(follow_ups.c.rating_id == row.id)
                             .order_by(follow_ups.c.id.desc()).limit(1)).first()
    return {"id": row.id, "uscc": row.uscc, "subject": row.subject, "policy_id": row.policy_id,
            "application_id": row.application_id, "department": row.department, "stars": row.stars,
            "comment": row.comment, "rated_at": row.rated_at.isoformat(),
            "follow_up": None if latest is None else {
                "id": latest.id, "status": latest.status, "due_at": latest.due_at.isoformat(),
                "due_provisional": latest.due_provisional, "outcome": latest.outcome,
                "closed_at": latest.closed_at and latest.closed_at.isoformat()},
            # earlier versions, oldest first: the current one is the rating itself
            "history": [{"stars": entry.stars, "comment": entry.comment, "rated_at": entry.rated_at.isoformat()}
                        for entry in history[:-1]]}


def listing(session: SessionOrConnection, scope: Mapping[str, Any], *, department: str | None = None,
            policy_id: int | None = None, stars: int | None = None, limit: int = 50, offset: int = 0,
            now: datetime) -> dict:
    """Ratings in `scope` (column values) with these filters, newest first, with their count and mean stars."""
    conditions = _scoped(ratings, scope)
    for name, value in (("department", department), ("policy_id", policy_id), ("stars", stars)):
        if value is not None:
            conditions.append(ratings.c[name] == value)
    count, mean = session.execute(select(func.count(), func.avg(ratings.c.stars)).where(*conditions)).one()
    rows = session.execute(select(ratings).where(*conditions).order_by(ratings.c.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": [_rating(session, row, now) for row in rows], "total": count, "limit": limit, "offset": offset,
            "average": {"count": count, "stars": None if mean is None else round(float(mean), 2)}}


# --- follow-ups ------------------------------------------------------------------------------------

def follow_up_row(session: SessionOrConnection, follow_up_id: int, for_update: bool = False):
    query = select(follow_ups).where(follow_ups.c.id == follow_up_id)
    found = session.execute(query.with_for_update() if for_update else query).first()
    if found is None:
        raise NotFound(f"no follow-up {follow_up_id}", {"follow_up_id": follow_up_id})
    return found


def follow_up(row, now: datetime) -> dict:
    return {"id": row.id, "rating_id": row.rating_id, "uscc": row.uscc, "policy_id": row.policy_id,
            "department": row.department, "stars": row.stars, "due_at": row.due_at.isoformat(),
            "due_provisional": row.due_provisional, "status": row.status, "outcome": row.outcome,
            "closed_at": row.closed_at and row.closed_at.isoformat(),
            "overdue": row.status == FollowUpStatus.open and now > row.due_at}


def close_follow_up(session: SessionOrConnection, follow_up_id: int, outcome: str, closed_by: str,
                    now: datetime) -> None:
    session.execute(update(follow_ups).where(follow_ups.c.id == follow_up_id).values(
        status=FollowUpStatus.closed, outcome=outcome, closed_at=now, closed_by=closed_by))


def follow_up_listing(session: SessionOrConnection, scope: Mapping[str, Any], *, status: str | None = None,
                      limit: int = 50, offset: int = 0, now: datetime) -> dict:
    conditions = _scoped(follow_ups, scope)
    if status is not None:
        conditions.append(follow_ups.c.status == status)
    total = session.execute(select(func.count()).select_from(follow_ups).where(*conditions)).scalar_one()
    rows = session.execute(select(follow_ups).where(*conditions).order_by(follow_ups.c.id.desc())
                           .limit(limit).offset(offset))
    return {"items": [follow_up(row, now) for row in rows], "total": total, "limit": limit, "offset": offset}


def overdue_follow_ups(session: SessionOrConnection, now: datetime, limit: int) -> list:
    """Open follow-ups past due that have raised no alarm yet, longest overdue first."""
    return session.execute(select(follow_ups).where(
        follow_ups.c.status == FollowUpStatus.open, follow_ups.c.due_at < now, follow_ups.c.alarmed_at.is_(None))
        .order_by(follow_ups.c.due_at).limit(limit)).all()


def mark_alarmed(session: SessionOrConnection, follow_up_ids: list[int], now: datetime) -> None:
    if follow_up_ids:
        session.execute(update(follow_ups).where(follow_ups.c.id.in_(follow_up_ids)).values(alarmed_at=now))


def recount_year(session: SessionOrConnection, calendar: WorkingCalendar, year: int, due) -> int:
    """Count again, with `due(calendar, opened_at)`, every follow-up opened before `year` ended and due after
    it began (China days). How many changed."""
    begins, ends = datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)
    rows = session.execute(select(follow_ups.c.id, follow_ups.c.opened_at, follow_ups.c.due_at,
                                  follow_ups.c.due_provisional)
                           .where(and_(follow_ups.c.opened_at < ends, follow_ups.c.due_at >= begins))).all()
    changed = []
    for found in rows:
        counted: Due = due(calendar, found.opened_at)
        at = counted.at.astimezone(UTC)
        if at != found.due_at or counted.provisional != bool(found.due_provisional):
            changed.append({"key": found.id, "p_due_at": at, "p_provisional": counted.provisional})
    if changed:
        session.execute(update(follow_ups).where(follow_ups.c.id == bindparam("key"))
                        .values(due_at=bindparam("p_due_at"), due_provisional=bindparam("p_provisional")), changed,
                        execution_options={"synchronize_session": False})
    return len(changed)

