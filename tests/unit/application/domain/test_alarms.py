"""Alarms for overdue stages: who is told, when it escalates, and who reads which alarms."""
from datetime import datetime

import pytest

from services.application.domain import alarms
from services.application.domain.stages import Stage
from shared import workdays
from shared.clock import CHINA
from shared.contracts.actors import Actor

CALENDAR = workdays.seeded()


@pytest.mark.parametrize(("stage", "level", "role"), [
    ("acceptance", "city", "window_clerk"), ("routing", "county", "window_clerk"),
    ("review", "city", "department_staff"), ("review", "county", "county_staff"),
    ("objection", "province", "department_staff"), ("disbursement", "county", "county_staff"),
])
def test_an_overdue_stage_alarms_the_staff_responsible_for_it(stage, level, role):
    assert alarms.told(stage, level) == role


@pytest.mark.parametrize("stage", [Stage.confirmation, Stage.returned, Stage.public_notice, Stage.completed])
def test_the_enterprise_s_own_time_and_the_notice_alarm_nobody(stage):
    assert stage not in alarms.RESPONSIBLE


def test_an_escalation_comes_after_one_more_working_day():
    due = datetime(2026, 11, 27, 23, 59, 59, tzinfo=CHINA)        # a Friday
    monday_end = datetime(2026, 11, 30, 23, 59, 59, tzinfo=CHINA)
    assert not alarms.escalates(CALENDAR, due, datetime(2026, 11, 29, 12, 0, tzinfo=CHINA))   # the weekend
    assert not alarms.escalates(CALENDAR, due, monday_end)
    assert alarms.escalates(CALENDAR, due, datetime(2026, 12, 1, 0, 0, tzinfo=CHINA))
    assert due + alarms.EARLIEST_ESCALATION <= monday_end


@pytest.mark.parametrize(("scope", "fields"), [
    ({"role": "department_staff", "department": "finance"}, {"role": "department_staff", "department": "finance"}),
    ({"role": "county_staff", "county": "371621"}, {"role": "county_staff", "county": "371621"}),
    ({"role": "window_clerk", "id": "clerk"}, {"role": "window_clerk"}),
    ({"role": "city_admin", "id": "admin"}, {}),
    ({"role": "enterprise", "uscc": "913716000000000017"}, None),
    ({"role": "assessor"}, None),
])
def test_each_role_reads_the_alarms_addressed_to_it_within_its_scope(scope, fields):
    assert alarms.seen_by(Actor.model_validate({"id": "someone", **scope})) == fields


def test_the_stages_with_someone_responsible_are_the_stages_staff_answer_for():
    from shared.contracts.applications import STAFF_STAGES
    assert set(alarms.RESPONSIBLE) == set(STAFF_STAGES)


def test_an_alarm_is_announced_once_by_its_stage_and_kind_to_the_role_and_unit_told():
    row = {"application_id": 12, "stage_id": 30, "stage": "review", "kind": "overdue", "role": "county_staff",
           "department": "finance", "county": "371625"}
    told = alarms.announced(row)
    assert told.alarm_id == "application.stage30.overdue" and told.title == "申请12的审核环节已超期"
    assert [(part.role, part.department, part.county) for part in told.audience] == [("county_staff", None, "371625")]
    escalated = alarms.announced({**row, "kind": "escalation", "role": "city_admin"})
    assert escalated.alarm_id == "application.stage30.escalation" and "已上报" in escalated.title
    assert [(part.role, part.department, part.county) for part in escalated.audience] == [("city_admin", None, None)]
