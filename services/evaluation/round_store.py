"""Rounds (三评), the filings made in them (self-assessments, third-party scores) and enterprises'
survey responses, as rows. `domain` checks weights, scores and answers, and who may file what."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import func, insert, select, update

from services.evaluation.models import evaluations, filings, survey_responses, survey_scores
from shared.contracts.actors import Actor
from shared.contracts.evaluation import RoundStatus, Source
from shared.database import SessionOrConnection
from shared.errors import NotFound


def create(session: SessionOrConnection, *, name: str, period_start: date, period_end: date,
           weights: Mapping[str, float], source_weights: Mapping[str, float], created_by: str, now: datetime) -> int:
    return session.execute(insert(evaluations).values(
        name=name, period_start=period_start, period_end=period_end, weights=dict(weights),
        source_weights=dict(source_weights), status=RoundStatus.open, survey=None, created_at=now,
        created_by=created_by)).inserted_primary_key[0]


def row(session: SessionOrConnection, evaluation_id: int, for_update: bool = False):
    query = select(evaluations).where(evaluations.c.id == evaluation_id)
    found = session.execute(query.with_for_update() if for_update else query).first()
    if found is None:
        raise NotFound(f"no evaluation round {evaluation_id}", {"evaluation_id": evaluation_id})
    return found


def public(found) -> dict:
    return {"id": found.id, "name": found.name, "period_start": found.period_start.isoformat(),
            "period_end": found.period_end.isoformat(), "weights": found.weights,
            "source_weights": found.source_weights, "status": found.status, "survey": found.survey,
            "created_at": found.created_at.isoformat(), "closed_at": found.closed_at and found.closed_at.isoformat()}


def listing(session: SessionOrConnection, *, ids: list[int] | None = None, limit: int = 50, offset: int = 0) -> dict:
    """Rounds, newest first (only `ids` when given)."""
    conditions = [] if ids is None else [evaluations.c.id.in_(ids)]
    total = session.execute(select(func.count()).select_from(evaluations).where(*conditions)).scalar_one()
    rows = session.execute(select(evaluations).where(*conditions).order_by(evaluations.c.id.desc())
                           .limit(limit).offset(offset))
    return {"items": [public(found) for found in rows], "total": total, "limit": limit, "offset": offset}


def all_rows(session: SessionOrConnection) -> list:
    return session.execute(select(evaluations).order_by(evaluations.c.id)).all()


def set_survey(session: SessionOrConnection, evaluation_id: int, questions: list[dict]) -> None:
    session.execute(update(evaluations).where(evaluations.c.id == evaluation_id)
                    .values(survey={"questions": questions}))


def close(session: SessionOrConnection, evaluation_id: int, closed_by: str, now: datetime) -> None:
    session.execute(update(evaluations).where(evaluations.c.id == evaluation_id)
                    .values(status=RoundStatus.closed, closed_at=now, closed_by=closed_by))


# --- filings ---------------------------------------------------------------------------------------

def file(session: SessionOrConnection, *, evaluation_id: int, source: str, unit_kind: str, unit: str,
         scores: Mapping[str, float], evidence: str, filed_by: Actor, now: datetime) -> dict:
    """Keep a filing, replacing the same filer's earlier one for the unit (a self-assessment is the unit's:
    any of its staff replaces it)."""
    key = filed_by.id if source == Source.third_party else ""
    where = (filings.c.evaluation_id == evaluation_id, filings.c.source == source, filings.c.unit_kind == unit_kind,
             filings.c.unit == unit, filings.c.filed_by_key == key)
    values = {"scores": dict(scores), "evidence": evidence, "filed_by": filed_by.model_dump(mode="json"),
              "filed_at": now}
    filing_id = session.execute(select(filings.c.id).where(*where).with_for_update()).scalar()
    if filing_id is None:
        filing_id = session.execute(insert(filings).values(
            evaluation_id=evaluation_id, source=source, unit_kind=unit_kind, unit=unit, filed_by_key=key,
            **values)).inserted_primary_key[0]
    else:
        session.execute(update(filings).where(filings.c.id == filing_id).values(**values))
    found = session.execute(select(filings).where(filings.c.id == filing_id)).one()
    return filing(found)


def filing(found) -> dict:
    return {"id": found.id, "evaluation_id": found.evaluation_id, "source": found.source,
            "unit_kind": found.unit_kind, "unit": found.unit, "scores": found.scores, "evidence": found.evidence,
            "filed_by": found.filed_by, "filed_at": found.filed_at.isoformat()}


def filed(session: SessionOrConnection, evaluation_id: int) -> list[dict]:
    return [filing(found) for found in session.execute(
        select(filings).where(filings.c.evaluation_id == evaluation_id).order_by(filings.c.id))]


# --- survey responses ------------------------------------------------------------------------------

def response(session: SessionOrConnection, evaluation_id: int, uscc: str):
    return session.execute(select(survey_responses).where(survey_responses.c.evaluation_id == evaluation_id,
                                                          survey_responses.c.uscc == uscc)).first()


def answer(session: SessionOrConnection, evaluation_id: int, uscc: str, answers: list[int],
           scores: Mapping[str, float], now: datetime) -> dict:
    """Keep a response and its score per dimension (the primary key refuses a second response)."""
    session.execute(insert(survey_responses).values(evaluation_id=evaluation_id, uscc=uscc, answers=list(answers),
                                                    answered_at=now))
    if scores:
        session.execute(insert(survey_scores), [
            {"evaluation_id": evaluation_id, "uscc": uscc, "dimension": dimension, "score": score}
            for dimension, score in scores.items()])
    return {"evaluation_id": evaluation_id, "uscc": uscc, "answers": list(answers), "answered_at": now.isoformat()}


def public_response(found) -> dict:
    return {"evaluation_id": found.evaluation_id, "uscc": found.uscc, "answers": found.answers,
            "answered_at": found.answered_at.isoformat()}


def response_count(session: SessionOrConnection, evaluation_id: int) -> int:
    return session.execute(select(func.count()).select_from(survey_responses)
                           .where(survey_responses.c.evaluation_id == evaluation_id)).scalar_one()

