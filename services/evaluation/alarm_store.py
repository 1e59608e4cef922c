"""Alarms the evaluation service raises: an open follow-up past due, a rectification not verified past
the end of its due day. Once each (the subject is marked, and the table refuses a second)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from services.evaluation import rating_store, rectification_store
from services.evaluation.models import alarms
from shared.contracts.evaluation import AlarmKind, UnitKind
from shared.contracts.events import AlarmAudience, AlarmsRaised, StaffAlarm, alarms_raised
from shared.database import SessionOrConnection

BATCH = 500   # alarms raised per pass, each kind


def raise_due(session: SessionOrConnection, now: datetime) -> list[dict]:
    """Raise the alarms due at `now`; those raised."""
    raised = []
    late = rating_store.overdue_follow_ups(session, now, BATCH)
    for found in late:
        raised.append({"kind": AlarmKind.follow_up_overdue, "subject_id": found.id, "follow_up_id": found.id,
                       "rectification_id": None, "department": found.department,
                       "county": found.county if found.level == "county" else None, "due_at": found.due_at,
                       "raised_at": now})
    rating_store.mark_alarmed(session, [found.id for found in late], now)
    overdue = rectification_store.overdue(session, now, BATCH)
    for found in overdue:
        raised.append({"kind": AlarmKind.rectification_overdue, "subject_id": found.id, "follow_up_id": None,
                       "rectification_id": found.id,
                       "department": found.unit if found.unit_kind == UnitKind.department else None,
                       "county": found.unit if found.unit_kind == UnitKind.county else None,
                       "due_at": found.due_at, "raised_at": now})
    rectification_store.mark_alarmed(session, [found.id for found in overdue], now)
    if raised:
        session.execute(insert(alarms), raised)
    return raised


def announced(raised: list[dict]) -> list[AlarmsRaised]:
    """The events that tell the notification service of the alarms `raised`: each to the staff of the
    department and the county it names (none for none)."""
    def told(alarm: dict) -> StaffAlarm:
        follow_up = alarm["kind"] == AlarmKind.follow_up_overdue
        title = (f"差评回访{alarm['subject_id']}已超期未办结" if follow_up else
                 f"整改{alarm['subject_id']}已过期限未完成验收")
        return StaffAlarm(alarm_id=f"evaluation.{alarm['kind']}{alarm['subject_id']}", kind=str(alarm["kind"]),
                          title=title,
                          audience=AlarmAudience.of_unit(alarm["department"], alarm["county"]))
    return alarms_raised("evaluation", [told(alarm) for alarm in raised])


def listing(session: SessionOrConnection, scope: Mapping[str, Any], limit: int, offset: int) -> dict:
    """The alarms whose columns have these values (`scope`), newest first."""
    conditions = [alarms.c[name] == value for name, value in scope.items()]
    total = session.execute(select(func.count()).select_from(alarms).where(*conditions)).scalar_one()
    rows = session.execute(select(alarms).where(*conditions).order_by(alarms.c.id.desc()).limit(limit).offset(offset))
    return {"items": [public(found) for found in rows], "total": total, "limit": limit, "offset": offset}


def public(found) -> dict:
    shown = {"id": found.id, "kind": found.kind, "department": found.department, "county": found.county,
             "due_at": found.due_at.isoformat(), "raised_at": found.raised_at.isoformat()}
    if found.follow_up_id is not None:
        shown["follow_up_id"] = found.follow_up_id
    if found.rectification_id is not None:
        shown["rectification_id"] = found.rectification_id
    return shown
