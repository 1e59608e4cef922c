"""What each of the evaluation service's calls does, in the caller's transaction: the rules come from
`domain`, the rows from the stores; `service.py` only opens the transaction and emits what comes back.

Every call takes the `Actor` and checks its scope here (the gateway checks the role): errors are
shared.errors, NotFound (404) before Forbidden (403) before Conflict (409) before Invalid (422) where
several apply, except where the contract orders them otherwise (a survey answer: 403, 409, 422).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.evaluation import (
    alarm_store,
    closing,
    fact_store,
    rating_store,
    rectification_store,
    round_store,
)
from services.evaluation.domain import access, follow_ups, ratings, rectifications, rounds, scores, survey
from shared.contracts.actors import Actor, Role
from shared.contracts.evaluation import SURVEY_NOTICE_BATCH, RatingSubject, RoundStatus, Source, UnitKind
from shared.contracts.events import SurveyOpened
from shared.database import SessionOrConnection
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.workdays import WorkingCalendar


def _date(field: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field}: must be a date YYYY-MM-DD, got {value!r}",
                      [{"field": field, "message": "must be a date YYYY-MM-DD"}]) from None


# --- ratings ---------------------------------------------------------------------------------------

def rate(session: SessionOrConnection, actor: Actor, *, subject: Any, policy_id: Any, application_id: Any,
         stars: Any, comment: Any, now: datetime, calendar: WorkingCalendar) -> dict:
    checked = ratings.check_input(subject, policy_id=policy_id, application_id=application_id, stars=stars,
                                  comment=comment)
    uscc = ratings.check_rater(actor)
    if checked.subject is RatingSubject.push:
        policy = fact_store.policy(session, checked.policy_id)
        ratings.check_push(checked.policy_id, fact_store.ever_matched(session, checked.policy_id, uscc))
    else:
        application = fact_store.application(session, checked.application_id)
        if application is None:
            raise NotFound(f"no application {checked.application_id}", {"application_id": checked.application_id})
        ratings.check_application(uscc, checked.application_id, applicant=application.uscc, stage=application.stage)
        policy = fact_store.policy(session, application.policy_id)
    rating_id = rating_store.save(session, uscc=uscc, subject=checked.subject, policy=policy._mapping,
                                  application_id=checked.application_id, stars=checked.stars,
                                  comment=checked.comment, now=now)
    already = rating_store.open_follow_up_of(session, rating_id)
    if ratings.opens_follow_up(checked.stars, already is not None):
        rating_store.open_follow_up(session, rating_id, follow_ups.due(calendar, now), now)
    elif already is not None:   # it stays open, showing the stars that stand now
        rating_store.update_follow_up_stars(session, already.id, checked.stars)
    return rating_store.get(session, rating_id, now)


def rating_list(session: SessionOrConnection, actor: Actor, *, department: str | None, policy_id: int | None,
                stars: int | None, limit: int, offset: int, now: datetime) -> dict:
    return rating_store.listing(session, access.rating_scope(actor), department=department, policy_id=policy_id,
                                stars=stars, limit=limit, offset=offset, now=now)


def follow_up_list(session: SessionOrConnection, actor: Actor, *, status: str | None, limit: int, offset: int,
                   now: datetime) -> dict:
    return rating_store.follow_up_listing(session, access.rating_scope(actor), status=status, limit=limit,
                                          offset=offset, now=now)


def close_follow_up(session: SessionOrConnection, actor: Actor, follow_up_id: int, outcome: Any,
                    now: datetime) -> dict:
    found = rating_store.follow_up_row(session, follow_up_id, for_update=True)
    access.check_may_close_follow_up(actor, department=found.department, level=found.level, county=found.county)
    follow_ups.check_closable(follow_up_id, found.status)
    rating_store.close_follow_up(session, follow_up_id, follow_ups.check_outcome(outcome), actor.id, now)
    return rating_store.follow_up(rating_store.follow_up_row(session, follow_up_id), now)


# --- rounds ----------------------------------------------------------------------------------------

def open_round(session: SessionOrConnection, actor: Actor, *, name: Any, period_start: Any, period_end: Any,
               weights: Any, source_weights: Any, now: datetime) -> dict:
    access.check_city_admin(actor, "open an evaluation round")
    start, end = _date("period_start", period_start), _date("period_end", period_end)
    name, weighed = rounds.check_round(name=name, period_start=start, period_end=end, weights=weights,
                                       source_weights=source_weights)
    checked = weighed.to_json()
    evaluation_id = round_store.create(session, name=name, period_start=start, period_end=end,
                                       weights=checked["weights"], source_weights=checked["source_weights"],
                                       created_by=actor.id, now=now)
    return round_store.public(round_store.row(session, evaluation_id))


def _in_scope(session: SessionOrConnection, actor: Actor, found) -> bool:
    """Whether an enterprise actor is in the round's scope: it matched or applied in the period."""
    if actor.role is not Role.enterprise or not actor.uscc:
        return False
    start, end = rounds.period_instants(found.period_start, found.period_end)
    return fact_store.in_scope(session, actor.uscc, start, end)


def _readable(session: SessionOrConnection, actor: Actor, evaluation_id: int):
    found = round_store.row(session, evaluation_id)
    access.check_round_reader(actor, _in_scope(session, actor, found))
    return found


def _open(found, doing: str) -> None:
    rounds.check_open(found.id, found.status, doing)


def round_list(session: SessionOrConnection, actor: Actor, *, limit: int, offset: int) -> dict:
    if actor.role is Role.enterprise:
        ids = [found.id for found in round_store.all_rows(session) if _in_scope(session, actor, found)]
        return round_store.listing(session, ids=ids, limit=limit, offset=offset)
    access.check_round_reader(actor)
    return round_store.listing(session, limit=limit, offset=offset)


def round_answer(session: SessionOrConnection, actor: Actor, evaluation_id: int) -> dict:
    return round_store.public(_readable(session, actor, evaluation_id))


def file_self_assessment(session: SessionOrConnection, actor: Actor, evaluation_id: int, *, unit: Any, scores_: Any,
                         evidence: Any, now: datetime) -> dict:
    found = round_store.row(session, evaluation_id, for_update=True)
    unit_kind = access.check_self_assessor(actor, unit)
    _open(found, "take self-assessments")
    return round_store.file(session, evaluation_id=evaluation_id, source=Source.self, unit_kind=unit_kind, unit=unit,
                            scores=scores.check_scores(scores_), evidence=scores.check_evidence(evidence),
                            filed_by=actor, now=now)


def file_assessment(session: SessionOrConnection, actor: Actor, evaluation_id: int, *, unit_kind: Any, unit: Any,
                    scores_: Any, evidence: Any, now: datetime) -> dict:
    found = round_store.row(session, evaluation_id, for_update=True)
    access.check_assessor(actor)
    _open(found, "take third-party assessments")
    if unit_kind not in access.PEOPLE_UNITS:
        raise Invalid("unit_kind: must be department or county: assessors score the units that act",
                      [{"field": "unit_kind", "message": "must be department or county"}])
    if not isinstance(unit, str) or not unit.strip():
        raise Invalid("unit: the department or county code is required", [{"field": "unit", "message": "required"}])
    return round_store.file(session, evaluation_id=evaluation_id, source=Source.third_party,
                            unit_kind=UnitKind(unit_kind), unit=unit.strip(), scores=scores.check_scores(scores_),
                            evidence=scores.check_evidence(evidence), filed_by=actor, now=now)


def set_survey(session: SessionOrConnection, actor: Actor, evaluation_id: int, questions: Any,
               now: datetime) -> tuple[dict, list[SurveyOpened]]:
    """The round with its questionnaire, and the events that put it in the inbox of every enterprise in scope
    (SURVEY_NOTICE_BATCH at most each)."""
    access.check_city_admin(actor, "set a round's survey")
    found = round_store.row(session, evaluation_id, for_update=True)
    _open(found, "set its survey")
    if round_store.response_count(session, evaluation_id):
        raise Conflict(f"evaluation round {evaluation_id}'s survey has responses: it is not changed any more",
                       {"status": found.status, "action": "set survey"})
    round_store.set_survey(session, evaluation_id, survey.check_questions(questions))
    start, end = rounds.period_instants(found.period_start, found.period_end)
    usccs = fact_store.scope(session, start, end)
    title = f"{found.name}：企业满意度问卷"[:300]
    events = [SurveyOpened(evaluation_id=evaluation_id, title=title, occurred_at=now,
                           usccs=list(usccs[first:first + SURVEY_NOTICE_BATCH]))
              for first in range(0, len(usccs), SURVEY_NOTICE_BATCH)]
    return round_store.public(round_store.row(session, evaluation_id)), events


def survey_answer(session: SessionOrConnection, actor: Actor, evaluation_id: int) -> dict:
    found = _readable(session, actor, evaluation_id)
    if found.survey is None:
        raise NotFound(f"evaluation round {evaluation_id} has no questionnaire yet", {"evaluation_id": evaluation_id})
    answered = actor.role is Role.enterprise and round_store.response(session, evaluation_id, actor.uscc) is not None
    return {"evaluation_id": found.id, "name": found.name, "questions": found.survey["questions"],
            "answered": answered}


def answer_survey(session: SessionOrConnection, actor: Actor, evaluation_id: int, answers: Any,
                  now: datetime) -> dict:
    found = round_store.row(session, evaluation_id, for_update=True)
    uscc = access.check_respondent(actor, _in_scope(session, actor, found))
    if round_store.response(session, evaluation_id, uscc) is not None:
        raise Conflict(f"enterprise {uscc} has answered round {evaluation_id}'s survey already",
                       {"status": "answered", "action": "answer"})
    _open(found, "take survey answers")
    if found.survey is None:
        raise Conflict(f"evaluation round {evaluation_id} has no questionnaire yet",
                       {"status": found.status, "action": "answer"})
    questions = found.survey["questions"]
    checked = survey.check_answers(questions, answers)
    return round_store.answer(session, evaluation_id, uscc, checked,
                              {str(name): value for name, value in survey.response_scores(questions, checked).items()},
                              now)


def round_results(session: SessionOrConnection, actor: Actor, evaluation_id: int, now: datetime) -> list[dict]:
    """The results of closing the round at `now`, computed on a read session (seconds over a large population):
    no writer waits for them. `close_round` then keeps them."""
    access.check_city_admin(actor, "close an evaluation round")
    found = round_store.row(session, evaluation_id)
    _open(found, "close")
    return closing.compute(session, found, now)


def close_round(session: SessionOrConnection, actor: Actor, evaluation_id: int, results_: list[dict],
                now: datetime) -> dict:
    """Close the round with the `results_` computed for it (unless another close came first: 409)."""
    access.check_city_admin(actor, "close an evaluation round")
    _open(round_store.row(session, evaluation_id, for_update=True), "close")
    closing.keep(session, evaluation_id, results_, actor.id, now)
    return round_store.public(round_store.row(session, evaluation_id))


def results(session: SessionOrConnection, actor: Actor, evaluation_id: int) -> dict:
    found = round_store.row(session, evaluation_id)
    access.check_round_reader(actor)
    if found.status != RoundStatus.closed:
        raise Conflict(f"evaluation round {evaluation_id} is {found.status}: its results come when it closes",
                       {"status": found.status, "action": "results"})
    return closing.answer(session, evaluation_id)


# --- rectifications --------------------------------------------------------------------------------

def issue_rectification(session: SessionOrConnection, actor: Actor, *, evaluation_id: int, unit_kind: Any,
                        unit: Any, problem: Any, due_on: Any, today: date, now: datetime) -> dict:
    round_store.row(session, evaluation_id)
    checked = rectifications.check_issue(actor, unit_kind=unit_kind, unit=unit, problem=problem,
                                         due_on=_date("due_on", due_on), today=today)
    rectification_id = rectification_store.issue(
        session, evaluation_id=evaluation_id, unit_kind=checked["unit_kind"], unit=checked["unit"],
        problem=checked["problem"], due_on=checked["due_on"], due_at=rectifications.due_end(checked["due_on"]),
        issued_by=actor, now=now)
    return rectification_store.public(session, rectification_store.row(session, rectification_id), now)


def take_rectification_step(session: SessionOrConnection, actor: Actor, rectification_id: int, action: str,
                            text: Any, now: datetime) -> dict:
    found = rectification_store.row(session, rectification_id, for_update=True)
    status, kept = rectifications.take(actor, rectification_id=rectification_id, status=found.status,
                                       unit_kind=found.unit_kind, unit=found.unit, action=action, text=text)
    stamps = {"complete": {"completed_at": now}, "verify": {"verified_at": now}}.get(action, {})
    rectification_store.move(session, rectification_id, status, **stamps)
    rectification_store.record(session, rectification_id, action, kept, actor, now)
    return rectification_store.public(session, rectification_store.row(session, rectification_id), now)


def rectification_list(session: SessionOrConnection, actor: Actor, *, evaluation_id: int | None, unit: str | None,
                       status: str | None, limit: int, offset: int, now: datetime) -> dict:
    return rectification_store.listing(session, access.rectification_scope(actor), evaluation_id=evaluation_id,
                                       unit=unit, status=status, limit=limit, offset=offset, now=now)


def rectification_answer(session: SessionOrConnection, actor: Actor, rectification_id: int, now: datetime) -> dict:
    found = rectification_store.row(session, rectification_id)
    scope = access.rectification_scope(actor)
    if any(getattr(found, name) != value for name, value in scope.items()):
        raise Forbidden(f"rectification {rectification_id} is another unit's",
                               {"rectification_id": rectification_id})
    return rectification_store.public(session, found, now)


def alarm_list(session: SessionOrConnection, actor: Actor, *, limit: int, offset: int) -> dict:
    return alarm_store.listing(session, access.alarm_scope(actor), limit, offset)

