"""Years without an official arrangement (contract section 13): counted on the statutory holidays, marked."""
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import workdays
from shared.clock import CHINA
from shared.workdays import WorkingCalendar, official, provisional, renewal_warning
from tests.properties import examples

SEEDED = workdays.seeded()
D = date.fromisoformat


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_of_the_revised_rules_is_off_in_the_official_years(year):
    # the 2024 revision is in force from 2025: each notice since gives at least its 13 days off
    statutory = provisional(year).days_off
    assert len(statutory) == 13
    official_off = workdays.seed_arrangements()[year].days_off
    for day, name in statutory.items():
        assert day in official_off, (day, name)
        assert name in official_off[day], (day, name, official_off[day])
        assert not SEEDED.is_working_day(day)


def test_2027_is_provisional_with_its_lunar_holidays():
    # 2027: 正月初一 is 6 February, 端午 9 June, 中秋 15 September; 清明 falls on 5 April
    arrangement = provisional(2027)
    assert arrangement.source == "provisional" and arrangement.notice is None and arrangement.workdays == ()
    assert [(h.first, h.last, h.name) for h in arrangement.holidays] == [
        (D("2027-01-01"), D("2027-01-01"), "元旦"), (D("2027-02-05"), D("2027-02-08"), "春节"),
        (D("2027-04-05"), D("2027-04-05"), "清明节"), (D("2027-05-01"), D("2027-05-02"), "劳动节"),
        (D("2027-06-09"), D("2027-06-09"), "端午节"), (D("2027-09-15"), D("2027-09-15"), "中秋节"),
        (D("2027-10-01"), D("2027-10-03"), "国庆节")]
    assert SEEDED.is_provisional(2027) and SEEDED.arrangement(2027) == arrangement
    assert not SEEDED.is_working_day(D("2027-02-08"))        # 初三, a Monday
    assert SEEDED.is_working_day(D("2027-02-09"))
    assert not SEEDED.is_working_day(D("2027-01-02"))        # an ordinary Saturday: no adjusted days


def test_a_stage_due_across_new_year_is_counted_and_marked_provisional():
    entered = china("2026-12-28T10:00")
    due = SEEDED.due_at(entered, 10)
    # Dec 29, 30, 31, then 2027: Jan 1 off, Jan 4-8, Jan 11, 12
    assert due == china("2027-01-12T23:59:59")
    assert SEEDED.provisional_between(entered, due)
    assert not SEEDED.provisional_between(entered, SEEDED.due_at(entered, 3))


def test_a_loaded_arrangement_replaces_the_provisional_year():
    # a made-up 2027 notice: 元旦 1-3 January, 春节 5-12 February, Saturday 20 February worked
    loaded = official(2027, "国办发明电〔2026〕99号", [(D("2027-01-01"), D("2027-01-03"), "元旦"),
                                                     (D("2027-02-05"), D("2027-02-12"), "春节")],
                      [D("2027-02-20")])
    calendar = WorkingCalendar({**workdays.seed_arrangements(), 2027: loaded})
    assert not calendar.is_provisional(2027) and calendar.official_years()[-1] == 2027
    assert not calendar.is_working_day(D("2027-02-10")) and SEEDED.is_working_day(D("2027-02-10"))
    assert calendar.is_working_day(D("2027-02-20"))          # the adjusted Saturday
    entered = china("2026-12-28T10:00")
    assert calendar.due_at(entered, 10) == china("2027-01-12T23:59:59")
    assert not calendar.provisional_between(entered, calendar.due_at(entered, 10))
    # entered the Thursday before the break: the next working day is Monday 15 February
    assert calendar.due_at(china("2027-02-04T10:00"), 1) == china("2027-02-15T23:59:59")
    assert SEEDED.due_at(china("2027-02-04T10:00"), 1) == china("2027-02-09T23:59:59")


@pytest.mark.parametrize(("holidays", "adjusted", "field"), [
    ([(D("2027-01-03"), D("2027-01-01"), "元旦")], [], "holidays[0]"),                 # ends before it starts
    ([(D("2026-12-31"), D("2027-01-01"), "元旦")], [], "holidays[0]"),                 # reaches into 2026
    ([(D("2027-01-01"), D("2027-01-01"), " ")], [], "holidays[0]"),                    # no name
    ([(D("2027-02-05"), D("2027-02-12"), "春节"), (D("2027-02-12"), D("2027-02-13"), "x")], [], "holidays[1]"),
    ([], [D("2027-01-04")], "workdays[0]"),                                             # a Monday
    ([], [D("2028-01-01")], "workdays[0]"),                                             # another year
    ([(D("2027-01-01"), D("2027-01-03"), "元旦")], [D("2027-01-02")], "workdays[0]"),  # also a day off
])
def test_an_arrangement_that_cannot_be_right_is_refused_naming_the_field(holidays, adjusted, field):
    with pytest.raises(workdays.ArrangementError) as refused:
        official(2027, "国办发明电〔2026〕99号", holidays, adjusted)
    assert refused.value.field == field


def test_an_arrangement_needs_its_notice():
    with pytest.raises(workdays.ArrangementError) as refused:
        official(2027, "  ", [], [])
    assert refused.value.field == "notice"


def test_an_arrangement_survives_its_json():
    arrangement = workdays.seed_arrangements()[2026]
    assert workdays.arrangement_from_json(arrangement.to_json()) == arrangement


@pytest.mark.parametrize(("today", "warned"), [
    ("2026-10-31", False), ("2026-11-01", True), ("2026-12-05", True), ("2027-03-01", True)])
def test_health_warns_from_60_days_before_the_last_official_year_ends(today, warned):
    warning = renewal_warning(SEEDED, D(today))
    assert (warning is not None) is warned
    if warned:
        assert "2027" in warning and "PUT /api/v1/calendar/2027" in warning
    loaded = WorkingCalendar({**workdays.seed_arrangements(), 2027: official(2027, "通知", [], [])})
    assert renewal_warning(loaded, D(today)) is None


# Properties over every year the lunar calendar is asked for.

any_day = st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 11, 30))


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(min_value=1901, max_value=2099))
def test_every_provisional_year_has_its_statutory_days_in_it(year):
    arrangement = provisional(year)
    names = {holiday.name for holiday in arrangement.holidays}
    assert names == {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
    assert all(holiday.first.year == year == holiday.last.year for holiday in arrangement.holidays)
    spring = next(holiday for holiday in arrangement.holidays if holiday.name == "春节")
    assert (spring.last - spring.first).days == 3 and date(year, 1, 20) <= spring.first <= date(year, 2, 20)
    qingming = next(holiday for holiday in arrangement.holidays if holiday.name == "清明节")
    assert date(year, 4, 3) <= qingming.first <= date(year, 4, 6)
    # 中秋 may fall on 1-3 October (it did in 2001, 2020): then 12 distinct days
    assert len(arrangement.days_off) in (12, 13)


@settings(max_examples=examples(300), deadline=None)
@given(st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2099, 9, 30), timezones=st.just(UTC)),
       st.integers(min_value=0, max_value=30))
def test_due_at_never_raises_and_is_monotonic_in_any_year(entered, n):
    earlier, later = SEEDED.due_at(entered, n), SEEDED.due_at(entered, n + 1)
    assert entered <= earlier < later
    assert later.timetz() == time(23, 59, 59, tzinfo=CHINA) and SEEDED.is_working_day(later.date())
    assert SEEDED.working_days_between(earlier + timedelta(seconds=1), later + timedelta(seconds=1)) == 1


@settings(max_examples=examples(200), deadline=None)
@given(any_day, st.integers(min_value=0, max_value=40))
def test_provisional_exactly_when_a_year_without_a_notice_is_counted_on(day, n):
    entered = datetime.combine(day, time(9), tzinfo=CHINA)
    due = SEEDED.due_at(entered, n)
    expected = any(year not in SEEDED.official_years() for year in range(day.year, due.year + 1))
    assert SEEDED.provisional_between(entered, due) is expected
