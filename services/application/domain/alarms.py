"""Alarms for overdue stages (contract section 7): who is told, and when it escalates.

A stage past its due time raises one alarm to the staff responsible for it: the window for acceptance and
routing, the policy's department (its county's staff for a county-level policy) for review, objections and
disbursement. One working day later it escalates, once, to the city administrator. Each of them reads the
alarms addressed to their role, and department and county staff only those of their own department or county.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from services.application.domain import deadlines
from services.application.domain.stages import Stage
from shared.workdays import WorkingCalendar

RESPONSIBLE: Mapping[Stage, str] = MappingProxyType({
    Stage.acceptance: "window_clerk", Stage.routing: "window_clerk", Stage.review: "department_staff",
    Stage.objection: "department_staff", Stage.disbursement: "department_staff"})
ESCALATED_TO = "city_admin"
# an escalation comes a working day after the due day ends, so never less than a day after the due time
EARLIEST_ESCALATION = timedelta(days=1)


def told(stage: str, level: str) -> str:
    """The role an overdue `stage` of an application of a policy at `level` alarms."""
    role = RESPONSIBLE[Stage(stage)]
    if role == "department_staff" and level == "county":
        return "county_staff"
    return role


def escalates(calendar: WorkingCalendar, due_at: datetime, now: datetime) -> bool:
    """Whether a stage due at `due_at` has been overdue a whole working day by `now`."""
    return now > deadlines.escalation_at(calendar, due_at)


def seen_by(scope: Mapping[str, Any]) -> dict[str, Any] | None:
    """The values an alarm's fields have for the caller to see it (no condition: every alarm); None when the
    caller's role reads no alarms."""
    role = scope.get("role")
    if role == "department_staff":
        return {"role": "department_staff", "department": scope.get("department")}
    if role == "county_staff":
        return {"role": "county_staff", "county": scope.get("county")}
    if role == "window_clerk":
        return {"role": "window_clerk"}
    if role == ESCALATED_TO:
        return {}
    return None
