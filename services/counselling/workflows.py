"""What each call of the counselling service does: the rules of `domain` over the rows of the stores.
Every function takes the session of the caller's transaction (or read) and the actor."""
from __future__ import annotations

from datetime import datetime

from services.counselling import team_store
from services.counselling.domain import access, teams
from shared.contracts.actors import Actor
from shared.errors import Invalid


# --- teams -------------------------------------------------------------------------------------------
def create_team(session, actor: Actor, *, name: str, level: str, county: str | None, now: datetime) -> dict:
    access.check_city_admin(actor, "组建辅导团队")
    return team_store.create(session, **teams.check_team(name=name, level=level, county=county), actor_id=actor.id,
                             now=now)


def team_answer(session, actor: Actor, team_id: int) -> dict:
    team = team_store.get(session, team_id)
    access.check_team_reader(actor, team_id)
    return {**team, "enterprises": team_store.enterprises_of(session, team_id)}


def team_list(session, actor: Actor) -> dict:
    scope = access.team_scope(actor, None)
    counts = team_store.enterprise_counts(session)
    items = [{**team, "enterprise_count": counts.get(team["id"], 0)} for team in team_store.listed(session)
             if scope is None or team["id"] == scope]
    return {"items": items, "total": len(items)}


def assign(session, actor: Actor, team_id: int, usccs: list[str], now: datetime) -> dict:
    access.check_city_admin(actor, "为辅导团队指定企业")
    team_store.get(session, team_id)
    team_store.assign(session, team_id, teams.check_usccs(usccs), now)
    return team_answer(session, actor, team_id)


def check_team_exists(session, team_id: int) -> dict:
    """For a counsellor's new account: the team, or Invalid naming `team_id`."""
    if not team_store.exists(session, team_id):
        raise Invalid(f"team_id：没有编号为 {team_id} 的辅导团队", {"field": "team_id", "value": team_id})
    return team_store.get(session, team_id)
