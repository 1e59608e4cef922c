"""Questions on a policy (政策咨询) as the policy database keeps them: asked, answered, listed by
state, and their due times counted again when a year's calendar arrives (`domain.questions` holds
the rules); and the alarm each raises once overdue."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from services.policy.domain.questions import check_askable, check_unanswered, due, overdue
from services.policy.models import policies, question_alarms, questions
from shared.clock import CHINA
from shared.contracts.actors import Actor
from shared.database import dialect_of, insert_ignoring_duplicates
from shared.errors import NotFound
from shared.workdays import WorkingCalendar


def ask(session: Session, policy: dict, uscc: str, text: str, actor: Actor, now: datetime,
        calendar: WorkingCalendar) -> dict:
    check_askable(policy)
    due_at, provisional = due(calendar, now)
    question_id = session.execute(insert(questions).values(
        policy_id=policy["id"], uscc=uscc, text=text, asked_by=actor.model_dump(mode="json"), asked_at=now,
        due_at=due_at, due_provisional=provisional)).inserted_primary_key[0]
    return get(session, question_id, now)


def answer(session: Session, question_id: int, text: str, actor: Actor, now: datetime) -> dict:
    check_unanswered(get(session, question_id, now, for_update=True))
    session.execute(update(questions).where(questions.c.id == question_id)
                    .values(answer=text, answered_by=actor.model_dump(mode="json"), answered_at=now))
    return get(session, question_id, now)


_COLUMNS = (*questions.c, policies.c.title.label("policy_title"), policies.c.department, policies.c.level,
            policies.c.county)


def get(session: Session, question_id: int, now: datetime, for_update: bool = False) -> dict:
    query = (select(*_COLUMNS).join(policies, policies.c.id == questions.c.policy_id)
             .where(questions.c.id == question_id))
    row = session.execute(query.with_for_update(of=questions) if for_update else query).first()
    if row is None:
        raise NotFound(f"no question {question_id}", {"question_id": question_id})
    return public(row, now)


def public(row, now: datetime) -> dict:
    shown = dict(row._mapping)
    shown["overdue"] = overdue(shown["answered_at"], shown["due_at"], now)
    shown["provisional"] = bool(shown.pop("due_provisional"))
    shown.pop("due_note")
    for name in ("asked_at", "due_at", "answered_at"):
        shown[name] = shown[name] and shown[name].isoformat()
    return shown


ALARM_BATCH = 500   # questions whose alarms are raised per pass


def _overdue_at(now: datetime):
    """`domain.questions.overdue` in SQL: unanswered and past a due time."""
    return and_(questions.c.answered_at.is_(None), questions.c.due_at.is_not(None), questions.c.due_at < now)


def raise_due(session: Session, now: datetime) -> list[dict]:
    """Mark the questions overdue at `now` that raised no alarm yet, longest overdue first: each with its policy's
    id, department, level and county. A question is marked once (its key refuses a second, so two passes at
    once raise it once)."""
    found = session.execute(
        select(questions.c.id, questions.c.policy_id, policies.c.department, policies.c.level, policies.c.county)
        .join(policies, policies.c.id == questions.c.policy_id)
        .outerjoin(question_alarms, question_alarms.c.question_id == questions.c.id)
        .where(_overdue_at(now), question_alarms.c.question_id.is_(None))
        .order_by(questions.c.due_at, questions.c.id).limit(ALARM_BATCH)).all()
    if not found:
        return []
    marked = set(session.execute(insert_ignoring_duplicates(dialect_of(session), question_alarms)
                                 .returning(question_alarms.c.question_id),
                                 [{"question_id": row.id, "raised_at": now} for row in found]).scalars())
    return [dict(row._mapping) for row in found if row.id in marked]


def listed(session: Session, now: datetime, *, policy_id: int | None = None, uscc: str | None = None,
           department: str | None = None, county: str | None = None, overdue: bool | None = None,
           answered: bool | None = None, limit: int = 50, offset: int = 0) -> dict:
    """Questions in scope, filtered by state: the overdue longest overdue first, else newest first.
    `overdue_total` counts the overdue ones in scope whatever the filters."""
    scope = []
    if policy_id is not None:
        scope.append(questions.c.policy_id == policy_id)
    if uscc is not None:
        scope.append(questions.c.uscc == uscc)
    if department is not None:
        scope.append(policies.c.department == department)
    if county is not None:
        scope.append(and_(policies.c.level == "county", policies.c.county == county))
    is_overdue = _overdue_at(now)
    state = []
    if overdue is not None:
        state.append(is_overdue if overdue else ~is_overdue)
    if answered is not None:
        state.append(questions.c.answered_at.is_not(None) if answered else questions.c.answered_at.is_(None))
    joined = select(*_COLUMNS).join(policies, policies.c.id == questions.c.policy_id)
    query = joined.where(*scope, *state)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    overdue_total = session.execute(select(func.count()).select_from(
        joined.where(*scope, is_overdue).subquery())).scalar_one()
    order = (questions.c.due_at, questions.c.id) if overdue else (questions.c.id.desc(),)
    rows = session.execute(query.order_by(*order).limit(limit).offset(offset))
    return {"items": [public(row, now) for row in rows], "total": total, "overdue_total": overdue_total}


def recount_year(session: Session, calendar: WorkingCalendar, year: int) -> int:
    """Count again, on `calendar`, the due time of every question asked before `year` ended and due after it
    began (China days), or left without one by a release that had no provisional years. How many changed."""
    begins, ends = datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)
    rows = session.execute(select(questions.c.id, questions.c.asked_at, questions.c.due_at,
                                  questions.c.due_provisional, questions.c.due_note).where(
        or_(and_(questions.c.asked_at < ends, questions.c.due_at >= begins),
            and_(questions.c.due_at.is_(None), questions.c.due_note.is_not(None)))))
    changed = []
    for row in rows:
        due_at, provisional = due(calendar, row.asked_at)
        due_at = due_at.astimezone(UTC)
        if due_at != row.due_at or provisional != bool(row.due_provisional) or row.due_note is not None:
            changed.append({"key": row.id, "p_due_at": due_at, "p_provisional": provisional})
    if changed:
        session.execute(update(questions).where(questions.c.id == bindparam("key"))
                        .values(due_at=bindparam("p_due_at"), due_provisional=bindparam("p_provisional"),
                                due_note=None), changed, execution_options={"synchronize_session": False})
    return len(changed)
