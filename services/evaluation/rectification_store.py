"""Rectifications (整改交办) and every step of each in its history. `domain` says which step is
allowed in which state; this module keeps the rows."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from services.evaluation.models import rectification_history, rectifications
from shared.contracts.actors import Actor
from shared.contracts.evaluation import RectificationStatus
from shared.database import SessionOrConnection
from shared.errors import NotFound

ISSUE = "issue"   # the history's first entry


def issue(session: SessionOrConnection, *, evaluation_id: int, unit_kind: str, unit: str, problem: str,
          due_on: date, due_at: datetime, issued_by: Actor, now: datetime) -> int:
    rectification_id = session.execute(insert(rectifications).values(
        evaluation_id=evaluation_id, unit_kind=unit_kind, unit=unit, problem=problem, due_on=due_on, due_at=due_at,
        status=RectificationStatus.issued, issued_at=now, issued_by=issued_by.id)).inserted_primary_key[0]
    record(session, rectification_id, ISSUE, problem, issued_by, now)
    return rectification_id


def record(session: SessionOrConnection, rectification_id: int, action: str, text: str | None, by: Actor,
           at: datetime) -> None:
    session.execute(insert(rectification_history).values(rectification_id=rectification_id, action=action, text=text,
                                                         by=by.model_dump(mode="json"), at=at))


def move(session: SessionOrConnection, rectification_id: int, status: str, **values: Any) -> None:
    session.execute(update(rectifications).where(rectifications.c.id == rectification_id)
                    .values(status=status, **values))


def row(session: SessionOrConnection, rectification_id: int, for_update: bool = False):
    query = select(rectifications).where(rectifications.c.id == rectification_id)
    found = session.execute(query.with_for_update() if for_update else query).first()
    if found is None:
        raise NotFound(f"no rectification {rectification_id}", {"rectification_id": rectification_id})
    return found


def public(session: SessionOrConnection, found, now: datetime) -> dict:
    history = session.execute(select(rectification_history).where(
        rectification_history.c.rectification_id == found.id).order_by(rectification_history.c.id))
    return {"id": found.id, "evaluation_id": found.evaluation_id, "unit_kind": found.unit_kind, "unit": found.unit,
            "problem": found.problem, "due_on": found.due_on.isoformat(), "status": found.status,
            "overdue": found.status != RectificationStatus.verified and now > found.due_at,
            "history": [{"action": entry.action, "text": entry.text, "by": entry.by, "at": entry.at.isoformat()}
                        for entry in history],
            "issued_at": found.issued_at.isoformat(),
            "verified_at": found.verified_at and found.verified_at.isoformat()}


def listing(session: SessionOrConnection, scope: Mapping[str, Any], *, evaluation_id: int | None = None,
            unit: str | None = None, status: str | None = None, limit: int = 50, offset: int = 0,
            now: datetime) -> dict:
    conditions = [rectifications.c[name] == value for name, value in scope.items()]
    for name, value in (("evaluation_id", evaluation_id), ("unit", unit), ("status", status)):
        if value is not None:
            conditions.append(rectifications.c[name] == value)
    total = session.execute(select(func.count()).select_from(rectifications).where(*conditions)).scalar_one()
    rows = session.execute(select(rectifications).where(*conditions).order_by(rectifications.c.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": [public(session, found, now) for found in rows], "total": total, "limit": limit,
            "offset": offset}


def overdue(session: SessionOrConnection, now: datetime, limit: int) -> list:
    """Rectifications not verified past the end of their due day that have raised no alarm yet."""
    return session.execute(select(rectifications).where(
        rectifications.c.status != RectificationStatus.verified, rectifications.c.due_at < now,
        rectifications.c.alarmed_at.is_(None)).order_by(rectifications.c.due_at).limit(limit)).all()


def mark_alarmed(session: SessionOrConnection, rectification_ids: list[int], now: datetime) -> None:
    if rectification_ids:
        session.execute(update(rectifications).where(rectifications.c.id.in_(rectification_ids))
                        .values(alarmed_at=now))
