"""Alarms raised for overdue stages, and the marks on each stage that it has raised them."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Row

from services.application.models import alarms, applications, stages
from shared.database import SessionOrConnection

_COLUMNS = (stages.c.id, stages.c.application_id, stages.c.stage, stages.c.due_at, stages.c.alarmed_at,
            stages.c.escalated_at, applications.c.department, applications.c.level, applications.c.county)
_BY_KEY = stages.c.id == bindparam("key")
_UNSYNCHRONISED = {"synchronize_session": False}


def overdue(session: SessionOrConnection, now: datetime, stages_alarmed: Sequence[str], *, escalating_after: datetime,
            limit: int) -> list[Row]:
    """Open stages of `stages_alarmed` past their due time that have raised no alarm yet, and those alarmed
    and due before `escalating_after` that have not escalated yet; each with its application's department,
    level and county. Longest overdue first, at most `limit` of each."""
    open_late = [stages.c.completed_at.is_(None), stages.c.stage.in_(list(stages_alarmed))]
    joined = select(*_COLUMNS).join(applications, applications.c.id == stages.c.application_id)
    # looked for separately, so a crowd of stages waiting to be escalated never holds back the first alarm
    # of a stage that has just gone overdue
    first = session.execute(joined.where(*open_late, stages.c.due_at < now, stages.c.alarmed_at.is_(None))
                            .order_by(stages.c.due_at).limit(limit)).all()
    later = session.execute(joined.where(*open_late, stages.c.due_at < escalating_after,
                                         stages.c.alarmed_at.is_not(None), stages.c.escalated_at.is_(None))
                            .order_by(stages.c.due_at).limit(limit)).all()
    return first + later


def alarm_row(stage: Row, kind: str, role: str, now: datetime) -> dict[str, Any]:
    """An alarm of `kind` (overdue, escalation) to `role` for an overdue `stage` (a row of `overdue`)."""
    return {"application_id": stage.application_id, "stage_id": stage.id, "stage": stage.stage, "kind": kind,
            "role": role, "department": stage.department, "county": stage.county, "due_at": stage.due_at,
            "raised_at": now}


def record(session: SessionOrConnection, raised: Sequence[Mapping[str, Any]], alarmed: Sequence[int],
           escalated: Sequence[int], now: datetime) -> None:
    """Keep the alarms `raised`, and mark the stages `alarmed` and `escalated` (their ids) at `now`."""
    if raised:
        session.execute(insert(alarms), list(raised))
    if alarmed:
        session.execute(update(stages).where(_BY_KEY).values(alarmed_at=now), [{"key": key} for key in alarmed],
                        execution_options=_UNSYNCHRONISED)
    if escalated:
        session.execute(update(stages).where(_BY_KEY).values(escalated_at=now),
                        [{"key": key} for key in escalated], execution_options=_UNSYNCHRONISED)


def listing(session: SessionOrConnection, fields: Mapping[str, Any], limit: int, offset: int) -> dict[str, Any]:
    """The alarms whose fields have these values, newest first, and how many there are in all."""
    query = select(alarms).where(*(alarms.c[name] == value for name, value in fields.items()))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(alarms.c.id.desc()).limit(limit).offset(offset))
    return {"items": [{**row._mapping, "due_at": row.due_at.isoformat(), "raised_at": row.raised_at.isoformat()}
                      for row in rows], "total": total}
