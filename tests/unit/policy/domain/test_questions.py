"""The rules of questions on a policy: asked on a published one, answered once, due in 2 working days."""
from datetime import UTC, datetime

import pytest

from services.policy.domain.questions import alarm, check_askable, check_unanswered, due, overdue
from shared.clock import CHINA
from shared.errors import Conflict
from shared.workdays import seeded

AT = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", ["draft", "withdrawn", "expired"])
def test_questions_are_taken_on_published_policies_only(status):
    check_askable({"id": 7, "status": "published"})
    with pytest.raises(Conflict) as refused:
        check_askable({"id": 7, "status": status})
    assert refused.value.details == {"status": status}


def test_a_question_is_answered_once():
    check_unanswered({"id": 3, "answered_at": None})
    with pytest.raises(Conflict):
        check_unanswered({"id": 3, "answered_at": AT.isoformat()})


def test_a_question_asked_on_a_friday_is_due_at_the_end_of_tuesday_china_time():
    due_at, provisional = due(seeded(), datetime(2026, 11, 27, 2, 0, tzinfo=UTC))   # Friday 10:00 in China
    assert due_at == datetime(2026, 12, 1, 23, 59, 59, tzinfo=CHINA) and not provisional


def test_overdue_only_when_unanswered_past_its_due_time():
    assert overdue(None, AT, datetime(2026, 11, 27, 2, 0, 1, tzinfo=UTC))
    assert not overdue(None, AT, AT)
    assert not overdue(AT, AT, datetime(2027, 1, 1, tzinfo=UTC))
    assert not overdue(None, None, datetime(2027, 1, 1, tzinfo=UTC))


def test_a_due_time_counted_into_a_year_without_its_arrangement_is_provisional():
    _due_at, provisional = due(seeded(), datetime(2026, 12, 31, 2, 0, tzinfo=UTC))
    assert provisional


@pytest.mark.parametrize(("level", "county", "audience"), [
    ("county", "371623", [("department_staff", "finance", None), ("county_staff", None, "371623")]),
    ("city", None, [("department_staff", "finance", None)]),
    ("city", "371623", [("department_staff", "finance", None)]),   # a county named on a city-level one: not its
])
def test_an_overdue_questions_alarm_goes_to_the_staff_who_answer_it(level, county, audience):
    raised = alarm({"id": 12, "policy_id": 7, "department": "finance", "level": level, "county": county})
    assert raised.alarm_id == "policy.question12.overdue" and raised.kind == "question_overdue"
    assert raised.title == "政策7的咨询12已超期未答复"
    assert [(part.role, part.department, part.county) for part in raised.audience] == audience
