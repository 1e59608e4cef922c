import itertools
from datetime import date, datetime

import pytest

from services.evaluation.domain import rectifications
from services.evaluation.domain.rectifications import TRANSITIONS, check_issue, is_overdue, on_time, take
from shared.clock import CHINA
from shared.contracts.actors import Actor
from shared.contracts.evaluation import RectificationAction, RectificationStatus
from shared.errors import Conflict, Forbidden, Invalid

ADMIN = Actor(role="city_admin", id="admin")
STAFF = Actor(role="department_staff", id="s1", department="D01")
OTHER_STAFF = Actor(role="department_staff", id="s2", department="D02")
COUNTY = Actor(role="county_staff", id="c1", county="371602")
ASSESSOR = Actor(role="assessor", id="a1")
TODAY = date(2026, 7, 1)
TEXT = {"progress": "已召开专题会议", "complete": "整改报告.pdf", "reopen": "证据不足", "verify": None}


def step(actor, status, action, unit_kind="department", unit="D01", text="default"):
    return take(actor, rectification_id=9, status=status, unit_kind=unit_kind, unit=unit, action=action,
                text=TEXT[action] if text == "default" else text)


def test_issue_records_the_unit_problem_and_due_day():
    assert check_issue(ADMIN, unit_kind="county", unit=" 371602 ", problem=" 兑现超时 ", due_on=TODAY, today=TODAY) == {
        "unit_kind": "county", "unit": "371602", "problem": "兑现超时", "due_on": TODAY}


@pytest.mark.parametrize(("given", "error", "field"), [
    ({"unit_kind": "policy"}, Invalid, "unit_kind"),
    ({"unit": ""}, Invalid, "unit"),
    ({"problem": " "}, Invalid, "problem"),
    ({"problem": None}, Invalid, "problem"),
    ({"due_on": date(2026, 6, 30)}, Invalid, "due_on"),
])
def test_issue_refuses_by_field(given, error, field):
    with pytest.raises(error) as raised:
        check_issue(ADMIN, **{"unit_kind": "department", "unit": "D01", "problem": "p", "due_on": TODAY,
                              "today": TODAY, **given})
    assert raised.value.details[0]["field"] == field


@pytest.mark.parametrize("actor", [STAFF, ASSESSOR, COUNTY])
def test_only_the_city_administrator_issues(actor):
    with pytest.raises(Forbidden):
        check_issue(actor, unit_kind="department", unit="D01", problem="p", due_on=TODAY, today=TODAY)


def test_the_whole_loop_from_issued_to_verified_through_a_reopening():
    status, kept = step(STAFF, "issued", "progress")
    assert (status, kept) == (RectificationStatus.in_progress, "已召开专题会议")
    status, _ = step(STAFF, status, "progress")
    status, kept = step(STAFF, status, "complete")
    assert (status, kept) == (RectificationStatus.completed, "整改报告.pdf")
    status, kept = step(ADMIN, status, "reopen")
    assert (status, kept) == (RectificationStatus.in_progress, "证据不足")
    status, _ = step(STAFF, status, "complete")
    assert step(ADMIN, status, "verify") == (RectificationStatus.verified, None)


def test_a_unit_may_complete_without_reporting_progress_first():
    assert step(COUNTY, "issued", "complete", unit_kind="county", unit="371602")[0] == RectificationStatus.completed


@pytest.mark.parametrize(("status", "action"), [
    (status, action) for status, action in itertools.product(RectificationStatus, RectificationAction)
    if (status, action) not in TRANSITIONS])
def test_every_other_step_is_a_conflict_naming_state_and_action(status, action):
    actor = STAFF if action in ("progress", "complete") else ADMIN
    with pytest.raises(Conflict) as raised:
        step(actor, status, action)
    assert raised.value.status == 409
    assert f"is {status}" in raised.value.message and f"cannot {action}" in raised.value.message
    assert raised.value.details == {"status": str(status), "action": str(action)}


@pytest.mark.parametrize(("actor", "action", "unit_kind", "unit"), [
    (ADMIN, "progress", "department", "D01"),
    (OTHER_STAFF, "progress", "department", "D01"),
    (OTHER_STAFF, "complete", "department", "D01"),
    (STAFF, "complete", "county", "D01"),             # the same code as a county is not its unit
    (COUNTY, "progress", "county", "371699"),
    (STAFF, "verify", "department", "D01"),          # a unit never verifies its own work
    (STAFF, "reopen", "department", "D01"),
    (ASSESSOR, "verify", "department", "D01"),
])
def test_each_action_belongs_to_its_party(actor, action, unit_kind, unit):
    status = "completed" if action in ("verify", "reopen") else "issued"
    with pytest.raises(Forbidden):
        step(actor, status, action, unit_kind=unit_kind, unit=unit)


def test_forbidden_comes_before_conflict():
    # a stranger learns nothing of the state
    with pytest.raises(Forbidden):
        step(OTHER_STAFF, "verified", "progress")


@pytest.mark.parametrize(("action", "actor"), [("progress", STAFF), ("complete", STAFF), ("reopen", ADMIN)])
@pytest.mark.parametrize("text", [None, "", "   ", "x" * (rectifications.MAX_TEXT + 1)])
def test_a_step_needs_its_text(action, actor, text):
    status = "completed" if action == "reopen" else "issued"
    with pytest.raises(Invalid) as raised:
        step(actor, status, action, text=text)
    assert raised.value.details[0]["field"] == rectifications.TEXT_FIELD[action]


def test_an_unknown_action_is_invalid():
    with pytest.raises(Invalid, match="action"):
        take(ADMIN, rectification_id=1, status="issued", unit_kind="department", unit="D01", action="cancel")


def test_overdue_after_the_end_of_the_due_day_until_verified():
    due_on = date(2026, 7, 10)
    end = datetime(2026, 7, 10, 23, 59, 59, tzinfo=CHINA)
    assert rectifications.due_end(due_on) == end
    assert not is_overdue("in_progress", due_on, end)
    assert is_overdue("in_progress", due_on, datetime(2026, 7, 11, tzinfo=CHINA))
    assert is_overdue("completed", due_on, datetime(2026, 7, 11, tzinfo=CHINA))   # waiting for verification
    assert not is_overdue("verified", due_on, datetime(2027, 1, 1, tzinfo=CHINA))


def test_on_time_is_completed_by_the_due_day_and_verified():
    due_on = date(2026, 7, 10)
    assert on_time(datetime(2026, 7, 10, 23, 0, tzinfo=CHINA), True, due_on)
    assert not on_time(datetime(2026, 7, 10, 23, 0, tzinfo=CHINA), False, due_on)
    assert not on_time(datetime(2026, 7, 11, 0, 0, tzinfo=CHINA), True, due_on)
    assert not on_time(None, True, due_on)
