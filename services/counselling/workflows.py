"""What each call of the counselling service does: the rules of `domain` over the rows of the stores.
Every function takes the session of the caller's transaction (or read) and the actor."""
from __future__ import annotations

from datetime import date, datetime

from services.counselling import fact_store, plan_store, problem_store, team_store
from services.counselling.domain import access, plans, teams
from services.counselling.domain import problems as problem_rules
from shared.contracts.actors import Actor, Role
from shared.contracts.events import PlanChanged, PlatformEvent, ProblemAnswered, ProblemRaised, ProblemResolved
from shared.errors import Conflict, Forbidden, Invalid
from shared.money import ZERO, json_number, yuan


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


# --- visits and the financing plan (一企一方案) -------------------------------------------------------------
def add_visit(session, actor: Actor, uscc: str, *, visited_on: str, notes: str, financing_need, now: datetime,
              today: date) -> dict:
    team_id = access.check_counsellor(actor, uscc, team_store.team_of(session, uscc))
    visit = plans.check_visit(visited_on=date.fromisoformat(visited_on), notes=notes,
                              financing_need=None if financing_need is None else yuan(financing_need), today=today)
    return plan_store.add_visit(session, uscc=uscc, team_id=team_id, visit=visit, actor_id=actor.id, now=now)


def visit_list(session, actor: Actor, uscc: str, limit: int, offset: int) -> dict:
    access.check_reader(actor, uscc, team_store.team_of(session, uscc))
    return plan_store.visits_of(session, uscc, limit, offset)


def put_plan(session, actor: Actor, uscc: str, *, needs: str, measures: str, amount_coordinated,
             now: datetime) -> tuple[dict, list[PlatformEvent]]:
    team_id = access.check_counsellor(actor, uscc, team_store.team_of(session, uscc))
    plan = plans.check_plan(needs=needs, measures=measures, amount_coordinated=yuan(amount_coordinated))
    row, changed = plan_store.put_plan(session, uscc=uscc, team_id=team_id, plan=plan, actor_id=actor.id, now=now)
    team = team_store.get(session, team_id)
    events = [PlanChanged(uscc=uscc, team_id=team_id, version=row.version, amount_coordinated=row.amount_coordinated,
                          level=team["level"], county=team.get("county"))] if changed else []
    return _plan_answer(session, uscc, row), events


def plan_answer(session, actor: Actor, uscc: str) -> dict:
    access.check_reader(actor, uscc, team_store.team_of(session, uscc))
    return _plan_answer(session, uscc, plan_store.plan_of(session, uscc))


def _plan_answer(session, uscc: str, row) -> dict:
    """The plan (null fields before one is drawn) and the financing policies the enterprise matches now."""
    shown = plan_store.plan_shown(row) if row is not None else {
        "uscc": uscc, "team_id": team_store.team_of(session, uscc), "needs": None, "measures": None,
        "amount_coordinated": None, "version": 0, "updated_at": None, "updated_by": None}
    return {**shown, "enterprise_name": fact_store.names(session, [uscc]).get(uscc),
            "financing_policies": fact_store.financing_matches(session, uscc)}


# --- problems (一问题一落实) ---------------------------------------------------------------------------------
def _event(kind, problem, team: dict, **more) -> PlatformEvent:
    return kind(problem_id=problem.id, uscc=problem.uscc, team_id=problem.team_id, level=team["level"],
                county=team.get("county"), status=problem.status, raised_at=problem.raised_at,
                first_answered_at=problem.first_answered_at, answered_in_time=problem.answered_in_time, **more)


def raise_problem(session, actor: Actor, uscc: str, text: str, now: datetime) -> tuple[dict, list[PlatformEvent]]:
    team_id = team_store.team_of(session, uscc)
    access.check_raiser(actor, uscc, team_id)
    text = problem_rules.check_text(text)
    if team_id is None:
        raise Conflict(f"企业 {uscc} 尚未指定辅导团队，问题无人答复；请先由市级管理员指定", {"uscc": uscc})
    team = team_store.get(session, team_id)
    problem = problem_store.raise_problem(session, uscc=uscc, team=team, text=text, actor_id=actor.id,
                                          actor_role=actor.role.value, now=now)
    return _problem_answer(session, problem, now), [_event(ProblemRaised, problem, team)]


def record_problem(session, actor: Actor, uscc: str, text: str, raised_at: datetime,
                   now: datetime) -> tuple[dict, list[PlatformEvent]]:
    """A problem from a paper ledger, with the time it was raised then (the city administrator, or the
    platform loading its demo): its 24 hours count from `raised_at`, so it may be overdue at once."""
    if actor.role not in (Role.city_admin, Role.system):
        raise Forbidden("只有市级管理员可以录入纸质台账中的问题", {"role": actor.role.value})
    if raised_at.tzinfo is None:
        raise Invalid("raised_at：须带时区，例如 2026-12-01T09:00:00+08:00", {"field": "raised_at"})
    if raised_at > now:
        raise Invalid("raised_at：提出时间不能晚于现在", {"field": "raised_at"})
    team_id = team_store.team_of(session, uscc)
    if team_id is None:
        raise Conflict(f"企业 {uscc} 尚未指定辅导团队", {"uscc": uscc})
    team = team_store.get(session, team_id)
    problem = problem_store.raise_problem(session, uscc=uscc, team=team, text=problem_rules.check_text(text),
                                          actor_id=actor.id, actor_role=actor.role.value, now=raised_at)
    return _problem_answer(session, problem, now), [_event(ProblemRaised, problem, team)]


def problem_answer(session, actor: Actor, problem_id: int, now: datetime) -> dict:
    problem = problem_store.get(session, problem_id)
    access.check_problem_reader(actor, problem.uscc, problem.team_id)
    return _problem_answer(session, problem, now)


def _problem_answer(session, problem, now: datetime) -> dict:
    return {**problem_store.shown(problem, now, fact_store.names(session, [problem.uscc]).get(problem.uscc)),
            "responses": problem_store.responses_of(session, problem.id)}


def respond(session, actor: Actor, problem_id: int, text: str, status: str,
            now: datetime) -> tuple[dict, list[PlatformEvent]]:
    problem = problem_store.get(session, problem_id)
    access.check_counsellor(actor, problem.uscc, problem.team_id)
    chosen = problem_rules.check_response(problem.status, status)
    problem, version = problem_store.respond(session, problem, text=problem_rules.check_text(text), status=chosen,
                                             actor_id=actor.id, now=now)
    kind = ProblemResolved if chosen == problem_rules.Status.resolved else ProblemAnswered
    team = team_store.get(session, problem.team_id)
    return _problem_answer(session, problem, now), [_event(kind, problem, team, version=version)]


# --- the ledger (工作台账), alarms, statistics --------------------------------------------------------------
def _status(status: str | None) -> str | None:
    if status is not None and status not in set(problem_rules.Status):
        raise Invalid(f"status：须为 {', '.join(problem_rules.Status)} 之一", {"field": "status", "value": status})
    return status


def ledger_answer(session, actor: Actor, *, team_id: int | None, status: str | None, limit: int | None,
                  offset: int, now: datetime) -> dict:
    scope = access.team_scope(actor, team_id)
    page = problem_store.ledger_page(session, team_id=scope, status=_status(status), limit=limit, offset=offset,
                                     now=now)
    names = {team["id"]: team["name"] for team in team_store.listed(session)}
    rates = [{**rate, "team_name": names.get(rate["team_id"])}
             for rate in problem_store.team_rates(session, scope, now)]
    return {**page, "teams": rates}


def alarm_list(session, actor: Actor, limit: int, offset: int) -> dict:
    scope = access.team_scope(actor, None)
    return problem_store.alarm_list(session, None if scope is None else team_store.get(session, scope), limit, offset)


def statistics(session, actor: Actor, now: datetime) -> dict:
    """Per team: enterprises served, plans and the financing coordinated in them, visits, problems resolved and
    the 24-hour rate."""
    scope = access.team_scope(actor, None)
    enterprises = team_store.enterprise_counts(session)
    coordinated = plan_store.coordinated_by_team(session)
    visited = plan_store.visits_by_team(session)
    rates = {rate["team_id"]: rate for rate in problem_store.team_rates(session, scope, now)}
    items = []
    for team in team_store.listed(session):
        if scope is not None and team["id"] != scope:
            continue
        plans_made, amount = coordinated.get(team["id"], (0, None))
        rate = rates.get(team["id"], {})
        items.append({"team_id": team["id"], "team_name": team["name"], "level": team["level"],
                      "county": team.get("county"), "enterprises": enterprises.get(team["id"], 0),
                      "visits": visited.get(team["id"], 0), "plans": plans_made,
                      "amount_coordinated": json_number(amount if amount is not None else ZERO),
                      "problems": rate.get("problems", 0), "problems_resolved": rate.get("resolved", 0),
                      "rate_24h": rate.get("rate_24h")})
    return {"items": items, "total": len(items)}
