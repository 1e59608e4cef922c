from datetime import UTC, datetime

import pytest

from services.evaluation.domain import follow_ups
from shared import workdays
from shared.clock import CHINA
from shared.errors import Conflict, Invalid

CALENDAR = workdays.seeded()


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


# National Day 2026: Oct 1-7 off, Saturday Oct 10 a working day. Spring Festival 2026: Feb 15-23 off, Saturdays
# Feb 14 and 28 working days.
@pytest.mark.parametrize(("rated", "due"), [
    ("2026-06-01T10:00", "2026-06-08"),     # Monday: Tue-Fri, then Monday
    ("2026-06-05T23:30", "2026-06-12"),     # a Friday night still counts from the Friday
    ("2026-06-06T09:00", "2026-06-12"),     # a Saturday: the next five working days
    ("2026-09-30T10:00", "2026-10-13"),     # 8, 9, the working Saturday 10, 12, 13
    ("2026-02-13T16:00", "2026-02-27"),     # 14 (worked), 24, 25, 26, 27
])
def test_a_follow_up_is_due_at_the_end_of_the_fifth_working_day_after_the_rating(rated, due):
    assert follow_ups.due(CALENDAR, china(rated)) == workdays.Due(china(f"{due}T23:59:59"), False)


def test_the_rating_day_is_china_time():
    # 2026-06-04 17:00 UTC is already Friday 5 June in China
    assert follow_ups.due(CALENDAR, datetime(2026, 6, 4, 17, tzinfo=UTC)).at == china("2026-06-12T23:59:59")


def test_a_due_time_counted_on_a_year_without_its_notice_is_provisional():
    last = max(CALENDAR.official_years())
    counted = follow_ups.due(CALENDAR, china(f"{last}-12-30T10:00"))
    assert counted.provisional and counted.at.year == last + 1
    loaded = workdays.WorkingCalendar({**workdays.seed_arrangements(), last + 1: workdays.provisional(last + 1)})
    assert not follow_ups.due(loaded, china(f"{last}-12-30T10:00")).provisional


def test_overdue_is_open_and_past_due():
    due = china("2026-06-08T23:59:59")
    assert not follow_ups.is_overdue("open", due, due)
    assert follow_ups.is_overdue("open", due, china("2026-06-09T00:00"))
    assert not follow_ups.is_overdue("closed", due, china("2026-07-01T00:00"))


def test_on_time_is_closed_by_due():
    due = china("2026-06-08T23:59:59")
    assert follow_ups.on_time(due, due)
    assert not follow_ups.on_time(due, china("2026-06-09T00:00"))
    assert not follow_ups.on_time(due, None)


def test_a_closed_follow_up_is_not_closed_again():
    follow_ups.check_closable(7, "open")
    with pytest.raises(Conflict, match="follow-up 7 is closed") as raised:
        follow_ups.check_closable(7, "closed")
    assert raised.value.details == {"status": "closed", "action": "close"}


@pytest.mark.parametrize("outcome", ["", "  ", None, 5, "x" * (follow_ups.MAX_OUTCOME + 1)])
def test_an_outcome_is_required_text(outcome):
    with pytest.raises(Invalid, match="^outcome"):
        follow_ups.check_outcome(outcome)
    assert follow_ups.check_outcome(" 已电话回访，企业表示理解 ") == "已电话回访，企业表示理解"


def test_a_county_level_policy_answers_to_its_county_too():
    assert follow_ups.responsible(department="D01", level="county", county="371602") == {
        "department": "D01", "county": "371602"}
    assert follow_ups.responsible(department="D01", level="city", county="371602") == {
        "department": "D01", "county": None}
