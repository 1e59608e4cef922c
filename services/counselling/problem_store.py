"""Problems (一问题一落实), every response to them, and the alarms of those not answered within 24 clock hours."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, update

from services.counselling.domain import escalation, ledger
from services.counselling.domain.problems import Status
from services.counselling.models import alarms, enterprises, problems, responses, teams
from shared.contracts.actors import Role
from shared.contracts.events import AlarmAudience, AlarmsRaised, StaffAlarm, alarms_raised
from shared.database import SessionOrConnection
from shared.errors import NotFound

BATCH = 500   # problems whose alarms are raised per pass


def raise_problem(session: SessionOrConnection, *, uscc: str, team: Mapping[str, Any], text: str, actor_id: str,
                  actor_role: str, now: datetime):
    number = session.execute(insert(problems).values(
        uscc=uscc, team_id=team["id"], text=text, status=Status.open, raised_at=now, raised_by=actor_id,
        raised_role=actor_role, updated_at=now, alarm_stage=0,
        next_alarm_at=escalation.next_alarm_at(now, team["level"], 0))).inserted_primary_key[0]
    return get(session, number)


def get(session: SessionOrConnection, problem_id: int):
    row = session.execute(select(problems).where(problems.c.id == problem_id)).first()
    if row is None:
        raise NotFound(f"没有编号为 {problem_id} 的问题", {"problem_id": problem_id})
    return row


def respond(session: SessionOrConnection, problem, *, text: str, status: Status, actor_id: str, now: datetime):
    """The problem after a response: the measures kept as a new version, the status set, the ladder stopped."""
    version = (session.execute(select(func.max(responses.c.version)).where(responses.c.problem_id == problem.id))
               .scalar() or 0) + 1
    session.execute(insert(responses).values(problem_id=problem.id, version=version, text=text, status=status,
                                             created_at=now, created_by=actor_id))
    changes = {"status": status, "updated_at": now, "next_alarm_at": None}
    if problem.first_answered_at is None:
        changes["first_answered_at"] = now
        changes["answered_in_time"] = escalation.answered_in_time(problem.raised_at, now)
    if status == Status.resolved:
        changes["resolved_at"] = now
    session.execute(update(problems).where(problems.c.id == problem.id).values(**changes))
    return get(session, problem.id), version


def responses_of(session: SessionOrConnection, problem_id: int) -> list[dict]:
    rows = session.execute(select(responses).where(responses.c.problem_id == problem_id)
                           .order_by(responses.c.version))
    return [{"version": row.version, "text": row.text, "status": row.status, "at": row.created_at.isoformat(),
             "by": row.created_by} for row in rows]


def shown(row, now: datetime, name: str | None = None) -> dict:
    due_at = escalation.rung_due(row.raised_at, 1)
    return {"id": row.id, "uscc": row.uscc, "enterprise_name": name, "team_id": row.team_id, "text": row.text,
            "status": row.status, "raised_at": row.raised_at.isoformat(), "raised_by": row.raised_by,
            "due_at": due_at.isoformat(),
            "first_answered_at": row.first_answered_at and row.first_answered_at.isoformat(),
            "resolved_at": row.resolved_at and row.resolved_at.isoformat(),
            "answered_in_time": escalation.answered_in_time(row.raised_at, row.first_answered_at),
            "overdue": row.first_answered_at is None and now > due_at,
            "alarm_stage": row.alarm_stage, "age_hours": ledger.age_hours(row.raised_at, now)}


# --- the 24-hour scan ----------------------------------------------------------------------------------
def raise_due(session: SessionOrConnection, now: datetime) -> list[dict]:
    """Raise the rungs of the ladder due at `now` for problems still without a first response; those raised."""
    due = session.execute(
        select(problems.c.id, problems.c.team_id, problems.c.raised_at, problems.c.alarm_stage, teams.c.level,
               teams.c.county)
        .join(teams, teams.c.id == problems.c.team_id)
        .where(problems.c.next_alarm_at <= now, problems.c.first_answered_at.is_(None))
        .order_by(problems.c.next_alarm_at).limit(BATCH)).all()
    raised = []
    for found in due:
        rungs = escalation.due_rungs(found.raised_at, found.level, found.alarm_stage, now)
        for rung in rungs:
            raised.append({"problem_id": found.id, "stage": rung.stage, "team_id": found.team_id,
                           "level": rung.level, "county": found.county if rung.level == "county" else None,
                           "due_at": rung.due_at, "raised_at": now})
        stage = found.alarm_stage + len(rungs)
        session.execute(update(problems).where(problems.c.id == found.id).values(
            alarm_stage=stage, next_alarm_at=escalation.next_alarm_at(found.raised_at, found.level, stage)))
    if raised:
        session.execute(insert(alarms), raised)
    return raised


def announced(session: SessionOrConnection, raised: list[dict]) -> list[AlarmsRaised]:
    """The events that tell the notification service of the alarms `raised`: the first rung to the counsellors
    of the problem's team, each further rung to those of every team at the level it climbed to (of its county,
    for a county), as `alarm_list` shows them (none for none)."""
    if not raised:
        return []
    at_level: dict[tuple[str, str | None], list[int]] = {}
    for team in session.execute(select(teams.c.id, teams.c.level, teams.c.county).order_by(teams.c.id)):
        at_level.setdefault((team.level, team.county if team.level == "county" else None), []).append(team.id)

    def told(alarm: dict) -> StaffAlarm:
        team_ids = [alarm["team_id"]] if alarm["stage"] == 1 else at_level.get((alarm["level"], alarm["county"]), [])
        title = (f"问题{alarm['problem_id']}超过24小时未答复" if alarm["stage"] == 1 else
                 f"问题{alarm['problem_id']}超过{24 * alarm['stage']}小时未答复，已上报")
        return StaffAlarm(alarm_id=f"counselling.problem{alarm['problem_id']}.rung{alarm['stage']}",
                          kind="problem_unanswered", title=title,
                          audience=[AlarmAudience(role=Role.counsellor, team_ids=team_ids)])
    return alarms_raised("counselling", [told(alarm) for alarm in raised])


def alarm_list(session: SessionOrConnection, team: Mapping[str, Any] | None, limit: int, offset: int) -> dict:
    """Alarms newest first: all of them (`team` None), or a team's: its own problems' and those that climbed
    to its level (a county team: of its county)."""
    conditions = []
    if team is not None:
        reach = and_(alarms.c.stage > 1, alarms.c.level == team["level"])
        if team["level"] == "county":
            reach = and_(reach, alarms.c.county == team.get("county"))
        conditions.append(or_(alarms.c.team_id == team["id"], reach))
    total = session.execute(select(func.count()).select_from(alarms).where(*conditions)).scalar_one()
    rows = session.execute(select(alarms).where(*conditions).order_by(alarms.c.raised_at.desc(), alarms.c.id.desc())
                           .limit(limit).offset(offset))
    return {"items": [{"id": row.id, "kind": "problem_unanswered", "problem_id": row.problem_id, "stage": row.stage,
                       "team_id": row.team_id, "level": row.level, "county": row.county,
                       "due_at": row.due_at.isoformat(), "raised_at": row.raised_at.isoformat()} for row in rows],
            "total": total, "limit": limit, "offset": offset}


# --- the ledger (工作台账) --------------------------------------------------------------------------------
def _filters(team_id: int | None, status: str | None) -> list:
    return [*([problems.c.team_id == team_id] if team_id is not None else []),
            *([problems.c.status == status] if status is not None else [])]


def ledger_page(session: SessionOrConnection, *, team_id: int | None, status: str | None, limit: int | None,
                offset: int, now: datetime) -> dict:
    """Problems by team and status, oldest first (the longest waiting at the top)."""
    conditions = _filters(team_id, status)
    total = session.execute(select(func.count()).select_from(problems).where(*conditions)).scalar_one()
    query = (select(problems, enterprises.c.name).outerjoin(enterprises, enterprises.c.uscc == problems.c.uscc)
             .where(*conditions).order_by(problems.c.raised_at, problems.c.id).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    items = [shown(row, now, row.name) for row in session.execute(query)]
    latest = latest_measures(session, [item["id"] for item in items])
    for item in items:
        item["measures"] = latest.get(item["id"])
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def latest_measures(session: SessionOrConnection, problem_ids: list[int]) -> dict[int, str]:
    """Each problem's measures as its newest response states them."""
    found: dict[int, tuple[int, str]] = {}
    for start in range(0, len(problem_ids), 500):
        rows = session.execute(select(responses.c.problem_id, responses.c.version, responses.c.text)
                               .where(responses.c.problem_id.in_(problem_ids[start:start + 500])))
        for problem_id, version, text in rows:
            if problem_id not in found or found[problem_id][0] < version:
                found[problem_id] = (version, text)
    return {problem_id: text for problem_id, (_version, text) in found.items()}


def team_rates(session: SessionOrConnection, team_id: int | None, now: datetime) -> list[dict]:
    """Per team: problems, open, in progress, resolved; those whose 24 hours are over or that were answered
    (`due`), of them answered within 24 hours (`answered_in_time`), and the rate."""
    over = now - escalation.STEP

    def counted(condition):
        return func.sum(case((condition, 1), else_=0))
    rows = session.execute(
        select(problems.c.team_id, func.count(), counted(problems.c.status == Status.open),
               counted(problems.c.status == Status.in_progress), counted(problems.c.status == Status.resolved),
               counted(or_(problems.c.first_answered_at.is_not(None), problems.c.raised_at < over)),
               counted(problems.c.answered_in_time.is_(True)))
        .where(*_filters(team_id, None)).group_by(problems.c.team_id).order_by(problems.c.team_id)).all()
    return [{"team_id": found[0], "problems": found[1], "open": found[2] or 0, "in_progress": found[3] or 0,
             "resolved": found[4] or 0, "due": found[5] or 0, "answered_in_time": found[6] or 0,
             "rate_24h": ledger.rate(found[6] or 0, found[5] or 0)} for found in rows]
