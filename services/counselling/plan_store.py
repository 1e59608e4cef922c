"""Visits and the one financing plan per enterprise."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update

from services.counselling.models import plans, visits
from shared.database import SessionOrConnection
from shared.money import json_number


def add_visit(session: SessionOrConnection, *, uscc: str, team_id: int, visit: dict, actor_id: str,
              now: datetime) -> dict:
    number = session.execute(insert(visits).values(uscc=uscc, team_id=team_id, created_at=now, created_by=actor_id,
                                                   **visit)).inserted_primary_key[0]
    return visit_shown(session.execute(select(visits).where(visits.c.id == number)).one())


def visits_of(session: SessionOrConnection, uscc: str, limit: int, offset: int) -> dict:
    total = session.execute(select(func.count()).select_from(visits).where(visits.c.uscc == uscc)).scalar_one()
    rows = session.execute(select(visits).where(visits.c.uscc == uscc)
                           .order_by(visits.c.visited_on.desc(), visits.c.id.desc()).limit(limit).offset(offset))
    return {"items": [visit_shown(row) for row in rows], "total": total, "limit": limit, "offset": offset}


def visit_shown(row) -> dict:
    return {"id": row.id, "uscc": row.uscc, "team_id": row.team_id, "visited_on": row.visited_on.isoformat(),
            "notes": row.notes,
            "financing_need": None if row.financing_need is None else json_number(row.financing_need),
            "created_at": row.created_at.isoformat(), "created_by": row.created_by}


def plan_of(session: SessionOrConnection, uscc: str):
    return session.execute(select(plans).where(plans.c.uscc == uscc)).first()


def put_plan(session: SessionOrConnection, *, uscc: str, team_id: int, plan: dict, actor_id: str,
             now: datetime) -> tuple[object, bool]:
    """The plan after the change, and whether anything changed (a plan put again as it is stays its version)."""
    found = plan_of(session, uscc)
    if found is None:
        session.execute(insert(plans).values(uscc=uscc, team_id=team_id, version=1, updated_at=now,
                                             updated_by=actor_id, **plan))
        return plan_of(session, uscc), True
    if all(getattr(found, name) == value for name, value in plan.items()) and found.team_id == team_id:
        return found, False
    session.execute(update(plans).where(plans.c.uscc == uscc).values(
        team_id=team_id, version=found.version + 1, updated_at=now, updated_by=actor_id, **plan))
    return plan_of(session, uscc), True


def plan_shown(row) -> dict:
    return {"uscc": row.uscc, "team_id": row.team_id, "needs": row.needs, "measures": row.measures,
            "amount_coordinated": json_number(row.amount_coordinated), "version": row.version,
            "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by}


def coordinated_by_team(session: SessionOrConnection) -> dict[int, tuple[int, object]]:
    """Per team: how many plans, and the amount coordinated in them."""
    rows = session.execute(select(plans.c.team_id, func.count(), func.sum(plans.c.amount_coordinated))
                           .group_by(plans.c.team_id))
    return {team_id: (count, total) for team_id, count, total in rows}


def visits_by_team(session: SessionOrConnection) -> dict[int, int]:
    return dict(session.execute(select(visits.c.team_id, func.count()).group_by(visits.c.team_id)).all())
