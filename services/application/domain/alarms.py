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
from shared.contracts.actors import Actor, Role
from shared.contracts.applications import Stage
from shared.contracts.events import AlarmAudience, StaffAlarm
from shared.contracts.policies import PolicyLevel
from shared.workdays import WorkingCalendar

RESPONSIBLE: Mapping[Stage, Role] = MappingProxyType({
    Stage.acceptance: Role.window_clerk, Stage.routing: Role.window_clerk, Stage.review: Role.department_staff,
    Stage.objection: Role.department_staff, Stage.disbursement: Role.department_staff})
ESCALATED_TO = Role.city_admin
# how an alarm names the stage in the message the staff are sent (contract section 11)
STAGE_NAMES: Mapping[Stage, str] = MappingProxyType({
    Stage.acceptance: "受理", Stage.routing: "分办", Stage.review: "审核", Stage.objection: "公示异议",
    Stage.disbursement: "资金拨付"})
# an escalation comes a working day after the due day ends, so never less than a day after the due time
EARLIEST_ESCALATION = timedelta(days=1)


def told(stage: str, level: str) -> Role:
    """The role an overdue `stage` of an application of a policy at `level` alarms."""
    role = RESPONSIBLE[Stage(stage)]
    if role == Role.department_staff and level == PolicyLevel.county:
        return Role.county_staff
    return role


def escalates(calendar: WorkingCalendar, due_at: datetime, now: datetime) -> bool:
    """Whether a stage due at `due_at` has been overdue a whole working day by `now`."""
    return now > deadlines.escalation_at(calendar, due_at)


def seen_by(actor: Actor) -> dict[str, Any] | None:
    """The values an alarm's fields have for `actor` to see it (no condition: every alarm); None when the
    actor's role reads no alarms."""
    if actor.role is Role.department_staff:
        return {"role": Role.department_staff, "department": actor.department}
    if actor.role is Role.county_staff:
        return {"role": Role.county_staff, "county": actor.county}
    if actor.role is Role.window_clerk:
        return {"role": Role.window_clerk}
    if actor.role is ESCALATED_TO:
        return {}
    return None


def announced(alarm: Mapping[str, Any]) -> StaffAlarm:
    """An alarm raised (a row of `alarm_store.alarm_row`) as the notification service is told it: once per
    stage and kind, to the role told and its department or county."""
    role = Role(alarm["role"])
    audience = AlarmAudience(role=role, department=alarm["department"] if role is Role.department_staff else None,
                             county=alarm["county"] if role is Role.county_staff else None)
    stage = STAGE_NAMES.get(Stage(alarm["stage"]), alarm["stage"])
    title = (f"申请{alarm['application_id']}的{stage}环节已超期" if alarm["kind"] == "overdue" else
             f"申请{alarm['application_id']}的{stage}环节超期一个工作日，已上报")
    return StaffAlarm(alarm_id=f"application.stage{alarm['stage_id']}.{alarm['kind']}", kind=f"stage_{alarm['kind']}",
                      title=title, audience=[audience])
