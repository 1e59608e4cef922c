import json
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import workdays
from shared.clock import CHINA

CALENDAR = workdays.seeded()
add_working_days, due_at = CALENDAR.add_working_days, CALENDAR.due_at
holiday_name, is_working_day = CALENDAR.holiday_name, CALENDAR.is_working_day
working_days_between, covered_years = CALENDAR.working_days_between, CALENDAR.official_years

RAW = json.loads(files("shared").joinpath("workdays_cn.json").read_text(encoding="utf-8"))
FIRST, LAST = date(min(covered_years()), 1, 1), date(max(covered_years()), 12, 31)
D = date.fromisoformat


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


def days(first: str, last: str) -> list[date]:
    start, end = D(first), D(last)
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# Spring Festival and National Day of each year, with the weekend days the notice makes working days.
BREAKS = [
    ("2023-01-21", "2023-01-27", "春节", ["2023-01-28", "2023-01-29"]),
    ("2023-09-29", "2023-10-06", "中秋节、国庆节", ["2023-10-07", "2023-10-08"]),
    ("2024-02-10", "2024-02-17", "春节", ["2024-02-04", "2024-02-18"]),
    ("2024-10-01", "2024-10-07", "国庆节", ["2024-09-29", "2024-10-12"]),
    ("2025-01-28", "2025-02-04", "春节", ["2025-01-26", "2025-02-08"]),
    ("2025-10-01", "2025-10-08", "国庆节、中秋节", ["2025-09-28", "2025-10-11"]),
    ("2026-02-15", "2026-02-23", "春节", ["2026-02-14", "2026-02-28"]),
    ("2026-10-01", "2026-10-07", "国庆节", ["2026-09-20", "2026-10-10"]),
]


def test_the_years_with_a_notice_are_covered():
    assert {2024, 2025, 2026} <= set(covered_years())
    assert covered_years() == tuple(sorted(int(year) for year in RAW["years"]))


@pytest.mark.parametrize(("first", "last", "name", "working_weekends"), BREAKS)
def test_spring_festival_and_national_day_are_off_and_their_adjusted_weekends_are_worked(
    first, last, name, working_weekends
):
    for day in days(first, last):
        assert not is_working_day(day), day
        assert holiday_name(day) == name
    for day in map(D, working_weekends):
        assert day.weekday() >= 5 and is_working_day(day), day
        assert holiday_name(day) is None


@pytest.mark.parametrize(
    ("year", "spring_festival_days", "national_day_days"),
    [(2024, 8, 7), (2025, 8, 8), (2026, 9, 7)],
)
def test_break_lengths_match_the_notices(year, spring_festival_days, national_day_days):
    names = [holiday_name(day) for day in days(f"{year}-01-01", f"{year}-12-31")]
    assert names.count("春节") == spring_festival_days
    assert sum(1 for name in names if name and "国庆节" in name) == national_day_days


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-14", True),  # Saturday made a working day before the Spring Festival
        ("2026-02-16", False),  # Monday inside the Spring Festival
        ("2026-02-24", True),
        ("2026-01-04", True),  # Sunday after 元旦
        ("2026-10-07", False),  # Wednesday inside National Day
        ("2026-10-08", True),
        ("2026-10-10", True),
        ("2026-06-19", False),  # 端午节 on a Friday
        ("2026-03-07", False),  # an ordinary Saturday
        ("2026-03-09", True),  # an ordinary Monday
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(D(day)) is working


def test_holiday_name_is_none_for_ordinary_days():
    assert holiday_name(D("2026-03-07")) is None
    assert holiday_name(D("2026-03-09")) is None
    assert holiday_name(D("2026-02-17")) == "春节"


def test_add_working_days_skips_the_spring_festival_and_counts_the_adjusted_saturday():
    assert add_working_days(D("2026-02-13"), 1) == D("2026-02-14")  # the working Saturday
    assert add_working_days(D("2026-02-13"), 2) == D("2026-02-24")
    assert add_working_days(D("2026-02-15"), 1) == D("2026-02-24")


def test_add_zero_working_days_returns_the_day_itself_even_on_a_holiday():
    assert add_working_days(D("2026-02-16"), 0) == D("2026-02-16")


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D("2026-03-09"), -1)


def test_due_at_across_the_spring_festival():
    # Entered on the Friday before; the Saturday 14 February is worked, then nine days off.
    assert due_at(china("2026-02-13T10:00"), 3) == china("2026-02-25T23:59:59")


def test_due_at_across_national_day():
    # 2025: 28 September (Sunday) is worked, 1 to 8 October are off, 11 October (Saturday) is worked.
    assert due_at(china("2025-09-26T16:00"), 1) == china("2025-09-28T23:59:59")
    assert due_at(china("2025-09-30T09:00"), 1) == china("2025-10-09T23:59:59")
    assert due_at(china("2025-09-30T09:00"), 3) == china("2025-10-11T23:59:59")
    assert due_at(china("2026-09-30T09:00"), 2) == china("2026-10-09T23:59:59")


def test_due_at_for_a_stage_entered_on_a_holiday_or_a_weekend_counts_from_the_next_working_day():
    assert due_at(china("2026-10-03T12:00"), 1) == china("2026-10-08T23:59:59")
    assert due_at(china("2026-03-07T12:00"), 1) == china("2026-03-09T23:59:59")
    assert due_at(china("2026-03-08T12:00"), 5) == china("2026-03-13T23:59:59")


def test_due_at_takes_the_day_in_china_not_in_utc():
    # 16:30 UTC on Friday 6 March is 00:30 on Saturday 7 March in UTC+8.
    entered = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    assert due_at(entered, 1) == china("2026-03-09T23:59:59")
    assert due_at(datetime(2026, 3, 6, 15, 59, tzinfo=UTC), 1) == china("2026-03-09T23:59:59")
    assert due_at(datetime(2026, 3, 5, 16, 0, tzinfo=UTC), 1) == china("2026-03-09T23:59:59")
    assert due_at(datetime(2026, 3, 5, 15, 59, tzinfo=UTC), 1) == china("2026-03-06T23:59:59")


def test_due_at_returns_an_aware_time_in_china_and_zero_days_end_the_entry_day():
    due = due_at(datetime(2026, 3, 9, 1, tzinfo=UTC), 0)
    assert due == china("2026-03-09T23:59:59") and due.utcoffset() == timedelta(hours=8)


def test_due_at_refuses_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2026, 3, 9, 10), 1)


def test_working_days_between_counts_only_working_time_in_china():
    assert working_days_between(china("2026-03-09T00:00"), china("2026-03-10T00:00")) == 1
    assert working_days_between(china("2026-03-09T12:00"), china("2026-03-09T18:00")) == Fraction(1, 4)
    # Friday 18:00 to Monday 09:00: 6 hours of Friday, 9 of Monday, nothing of the weekend.
    assert working_days_between(china("2026-03-06T18:00"), china("2026-03-09T09:00")) == Fraction(15, 24)
    # The whole Spring Festival break, Saturday 14 February (worked) excepted, counts nothing.
    assert working_days_between(china("2026-02-14T00:00"), china("2026-02-24T00:00")) == 1
    assert working_days_between(china("2026-03-09T12:00"), china("2026-03-09T12:00")) == 0


def test_working_days_between_converts_to_china_first():
    # 2026-03-08T16:00Z is midnight starting Monday 9 March in UTC+8.
    start = datetime(2026, 3, 8, 16, tzinfo=UTC)
    assert working_days_between(start, start + timedelta(days=1)) == 1


def test_working_days_between_refuses_naive_or_reversed_instants():
    with pytest.raises(ValueError):
        working_days_between(datetime(2026, 3, 9), china("2026-03-10T00:00"))
    with pytest.raises(ValueError):
        working_days_between(china("2026-03-10T00:00"), china("2026-03-09T00:00"))


# Data sanity: the transcription of the notices.


def test_no_day_is_both_a_holiday_and_a_working_weekend():
    for year, arrangement in RAW["years"].items():
        off = [day for holiday in arrangement["holidays"] for day in holiday["days"]]
        assert len(off) == len(set(off)), year
        assert not set(off) & set(arrangement["working_weekends"]), year


def test_every_date_lies_in_its_own_year():
    for year, arrangement in RAW["years"].items():
        for holiday in arrangement["holidays"]:
            assert holiday["days"], (year, holiday["name"])
            assert all(D(day).year == int(year) for day in holiday["days"]), (year, holiday["name"])
            listed = list(map(D, holiday["days"]))
            assert listed == days(str(listed[0]), str(listed[-1])), "a break is consecutive days"
        assert all(D(day).year == int(year) for day in arrangement["working_weekends"]), year


def test_working_weekends_are_saturdays_or_sundays():
    for arrangement in RAW["years"].values():
        assert all(D(day).weekday() >= 5 for day in arrangement["working_weekends"])


def test_every_year_names_its_notice_and_the_seven_holidays():
    for year, arrangement in RAW["years"].items():
        assert arrangement["notice"].startswith("国办发明电〔"), year
        names = "".join(holiday["name"] for holiday in arrangement["holidays"])
        for name in ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
            assert name in names, (year, name)


def test_years_are_consecutive_so_counting_never_skips_a_gap():
    years = covered_years()
    assert years == tuple(range(years[0], years[-1] + 1))


# Properties.

# Far enough from the end that 60 working days stay inside the covered years.
covered_days = st.dates(min_value=FIRST, max_value=LAST - timedelta(days=120))
steps = st.integers(min_value=1, max_value=30)


@given(covered_days, steps)
def test_add_working_days_lands_on_a_working_day_strictly_after_with_n_working_days_in_between(start, n):
    result = add_working_days(start, n)
    assert result > start
    assert is_working_day(result)
    between = [start + timedelta(k) for k in range(1, (result - start).days + 1)]
    assert sum(map(is_working_day, between)) == n


@given(covered_days, steps, steps)
def test_adding_working_days_composes(start, a, b):
    assert add_working_days(add_working_days(start, a), b) == add_working_days(start, a + b)


@given(
    st.datetimes(min_value=datetime(FIRST.year, 1, 2), max_value=datetime(LAST.year, 10, 1), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=29),
)
def test_due_at_is_monotonic_in_the_number_of_days(entered, n):
    earlier, later = due_at(entered, n), due_at(entered, n + 1)
    assert earlier < later
    assert later.time() == time(23, 59, 59) and later.utcoffset() == timedelta(hours=8)
    assert earlier >= entered


@given(covered_days, st.integers(min_value=1, max_value=30))
def test_a_full_limit_of_working_time_elapses_exactly_at_due_at(start, n):
    entered = datetime.combine(start, time(), tzinfo=CHINA) + timedelta(hours=23)
    end = due_at(entered, n) + timedelta(seconds=1)
    after_entry_day = entered + timedelta(hours=1)
    assert working_days_between(after_entry_day, end) == n


def test_the_transcribed_notices_are_read_once():
    assert workdays.seed_arrangements() is workdays.seed_arrangements()
