"""Teams and the enterprises each serves."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select

from services.counselling.models import enterprises, team_enterprises, teams
from shared.database import SessionOrConnection
from shared.errors import Conflict, NotFound


def create(session: SessionOrConnection, *, name: str, level: str, county: str | None, actor_id: str,
           now: datetime) -> dict:
    if session.execute(select(teams.c.id).where(teams.c.name == name)).first() is not None:
        raise Conflict(f"name：已有名为「{name}」的辅导团队", {"field": "name"})
    number = session.execute(insert(teams).values(name=name, level=level, county=county, created_at=now,
                                                  created_by=actor_id)).inserted_primary_key[0]
    return get(session, number)


def get(session: SessionOrConnection, team_id: int) -> dict:
    row = session.execute(select(teams).where(teams.c.id == team_id)).first()
    if row is None:
        raise NotFound(f"没有编号为 {team_id} 的辅导团队", {"team_id": team_id})
    return shown(row)


def exists(session: SessionOrConnection, team_id: int) -> bool:
    return session.execute(select(teams.c.id).where(teams.c.id == team_id)).first() is not None


def listed(session: SessionOrConnection) -> list[dict]:
    return [shown(row) for row in session.execute(select(teams).order_by(teams.c.id))]


def shown(row) -> dict:
    team = {"id": row.id, "name": row.name, "level": row.level, "created_at": row.created_at.isoformat()}
    if row.county is not None:
        team["county"] = row.county
    return team


def team_of(session: SessionOrConnection, uscc: str) -> int | None:
    return session.execute(select(team_enterprises.c.team_id).where(team_enterprises.c.uscc == uscc)).scalar()


def enterprises_of(session: SessionOrConnection, team_id: int) -> list[dict]:
    rows = session.execute(
        select(team_enterprises.c.uscc, enterprises.c.name)
        .outerjoin(enterprises, enterprises.c.uscc == team_enterprises.c.uscc)
        .where(team_enterprises.c.team_id == team_id).order_by(team_enterprises.c.uscc))
    return [{"uscc": row.uscc, "name": row.name} for row in rows]


def enterprise_counts(session: SessionOrConnection) -> dict[int, int]:
    rows = session.execute(select(team_enterprises.c.team_id, func.count())
                           .group_by(team_enterprises.c.team_id))
    return {team_id: count for team_id, count in rows}


def assign(session: SessionOrConnection, team_id: int, usccs: Sequence[str], now: datetime) -> None:
    """The team serves exactly these enterprises now; Conflict naming one another team serves."""
    taken = []
    for start in range(0, len(usccs), 500):
        chunk = list(usccs[start:start + 500])
        taken += session.execute(select(team_enterprises.c.uscc, team_enterprises.c.team_id).where(
            team_enterprises.c.uscc.in_(chunk), team_enterprises.c.team_id != team_id)).all()
    if taken:
        raise Conflict(f"usccs：企业 {taken[0].uscc} 已由辅导团队 {taken[0].team_id} 服务，须先从该团队移出",
                       {"field": "usccs", "uscc": taken[0].uscc, "team_id": taken[0].team_id})
    kept = set(session.execute(select(team_enterprises.c.uscc).where(team_enterprises.c.team_id == team_id))
               .scalars())
    gone = kept - set(usccs)
    if gone:
        session.execute(delete(team_enterprises).where(team_enterprises.c.team_id == team_id,
                                                       team_enterprises.c.uscc.in_(sorted(gone))))
    new = [uscc for uscc in usccs if uscc not in kept]
    if new:
        session.execute(insert(team_enterprises), [{"uscc": uscc, "team_id": team_id, "assigned_at": now}
                                                   for uscc in new])
