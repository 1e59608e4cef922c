from datetime import UTC, datetime, time, timedelta
from functools import partial

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from services.application.domain import deadlines
from services.application.domain.deadlines import Due, StageTiming, is_overdue, recount
from services.application.domain.stages import DEFAULT_LIMITS, limits_for
from shared import workdays
from shared.clock import CHINA

CALENDAR = workdays.seeded()
due_at = partial(deadlines.due_at, CALENDAR)
escalation_at = partial(deadlines.escalation_at, CALENDAR)
extend_for_return = partial(deadlines.extend_for_return, CALENDAR)
resumed_due_at = partial(deadlines.resumed_due_at, CALENDAR)
is_working_day, working_days_between = CALENDAR.is_working_day, CALENDAR.working_days_between

LIMITS = limits_for({})


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


def end_of(day: str) -> datetime:
    return china(f"{day}T23:59:59")


# Spring Festival 2026: Feb 15-23 off; Saturdays Feb 14 and Feb 28 are working days.
# National Day 2026: Oct 1-7 off; Saturday Oct 10 is a working day (Mid-Autumn is Sep 25-27).
@pytest.mark.parametrize(("entered", "stage", "due"), [
    ("2026-02-13T10:00", "acceptance", "2026-02-14"),    # Friday: the next working day is the Saturday before
    ("2026-02-14T16:00", "routing", "2026-02-24"),       # that Saturday: the whole festival lies between
    ("2026-02-13T10:00", "review", "2026-02-27"),        # 14, 24, 25, 26, 27
    ("2026-02-12T09:30", "disbursement", "2026-03-04"),  # 13, 14, 24-27, the Saturday 28, Mar 2, 3, 4
    ("2026-02-26T09:00", "public_notice", "2026-03-04"),  # 27, the Saturday 28, Mar 2, 3, 4
    ("2026-09-30T17:00", "acceptance", "2026-10-08"),
    ("2026-09-30T09:00", "review", "2026-10-13"),        # Oct 8, 9, the Saturday 10, 12, 13
    ("2026-09-24T09:00", "objection", "2026-10-09"),     # Sep 28, 29, 30, Oct 8, 9
    ("2026-03-02T00:00", "review", "2026-03-09"),        # an ordinary week
])
def test_due_across_the_spring_festival_and_national_day(entered, stage, due):
    assert due_at(china(entered), stage, LIMITS) == end_of(due)


@pytest.mark.parametrize(("entered", "stage", "due"), [
    ("2026-02-18T10:00", "acceptance", "2026-02-24"),   # entered during the Spring Festival
    ("2026-10-03T11:00", "review", "2026-10-13"),       # entered during National Day
    ("2026-03-07T09:00", "acceptance", "2026-03-09"),   # entered on an ordinary Saturday
])
def test_a_stage_entered_on_a_holiday_counts_from_the_next_working_day(entered, stage, due):
    assert due_at(china(entered), stage, LIMITS) == end_of(due)


def test_the_day_entered_is_the_day_in_china():
    # 17:00 UTC on Friday the 13th is 01:00 on Saturday the 14th in China
    assert due_at(datetime(2026, 2, 13, 17, 0, tzinfo=UTC), "acceptance", LIMITS) == end_of("2026-02-24")
    assert due_at(datetime(2026, 2, 13, 15, 59, tzinfo=UTC), "acceptance", LIMITS) == end_of("2026-02-14")


@pytest.mark.parametrize("stage", ["confirmation", "returned", "completed", "rejected"])
def test_stages_without_a_limit_have_no_due_time(stage):
    assert due_at(china("2026-03-02T09:00"), stage, LIMITS) is None


def test_a_policys_limits_and_limits_read_back_from_json():
    entered = china("2026-02-13T10:00")
    assert due_at(entered, "review", limits_for({"review": 3})) == end_of("2026-02-25")
    assert due_at(entered, "review", {"review": 3}) == end_of("2026-02-25")


def test_due_times_are_in_china_time():
    due = due_at(china("2026-03-02T09:00"), "acceptance", LIMITS)
    assert due.utcoffset() == timedelta(hours=8) and due.timetz() == time(23, 59, 59, tzinfo=CHINA)


@pytest.mark.parametrize(("entered", "stage", "due", "provisional"), [
    ("2027-01-04T09:00", "acceptance", "2027-01-05", True),   # a year without a notice
    ("2022-12-30T09:00", "acceptance", "2023-01-03", True),   # 2022 is not transcribed: its 30th is a Friday
    ("2026-12-28T09:00", "disbursement", "2027-01-12", True),  # 29, 30, 31, (Jan 1 off) Jan 4-8, 11, 12
    ("2026-12-28T09:00", "review", "2027-01-05", True),
    ("2026-12-28T09:00", "acceptance", "2026-12-29", False),
])
def test_a_year_without_a_notice_is_counted_on_the_statutory_holidays_and_marked(entered, stage, due, provisional):
    assert deadlines.due_of_entry(CALENDAR, china(entered), stage, LIMITS) == Due(end_of(due), provisional)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        due_at(datetime(2026, 3, 2, 9), "acceptance", LIMITS)
    with pytest.raises(ValueError):
        resumed_due_at(datetime(2026, 3, 2, 9), china("2026-03-03T09:00"), china("2026-03-04T09:00"), 5)
    with pytest.raises(ValueError):
        is_overdue(end_of("2026-03-02"), None, datetime(2026, 3, 3))


# --- the clock stopped while returned ---------------------------------------------------------------

def test_a_return_spanning_a_weekend_moves_the_due_time_by_the_working_time_it_lasted():
    # review entered Monday Mar 2 09:00, due Monday Mar 9; returned Friday 10:00, resubmitted Monday 10:00:
    # one working day stopped (Friday 10:00-24:00, Monday 00:00-10:00), the weekend counts for nothing
    assert resumed_due_at(china("2026-03-02T09:00"), china("2026-03-06T10:00"), china("2026-03-09T10:00"),
                          5) == end_of("2026-03-10")


def test_a_return_within_a_weekend_changes_nothing():
    assert resumed_due_at(china("2026-03-02T09:00"), china("2026-03-07T10:00"), china("2026-03-08T18:00"),
                          5) == end_of("2026-03-09")


def test_a_return_across_the_spring_festival_lands_on_the_adjusted_saturday():
    # review entered Thursday Feb 12 09:00, due Feb 26 (13, 14, 24, 25, 26); returned Friday Feb 13 09:00,
    # resubmitted Tuesday Feb 24 09:00: stopped for Feb 13 09:00-24:00, the Saturday 14 and Feb 24 00:00-09:00,
    # two working days, so due two working days later: Friday 27, then the working Saturday 28
    assert resumed_due_at(china("2026-02-12T09:00"), china("2026-02-13T09:00"), china("2026-02-24T09:00"),
                          5) == end_of("2026-02-28")


def test_a_return_of_a_few_hours_rounds_up_to_the_end_of_a_day():
    # acceptance entered Monday 09:00, due Tuesday; four hours stopped on Monday: the remainder (Monday 11:00 to
    # the end of Tuesday) counted from Monday 15:00 runs out on Wednesday at 03:59:59, so the end of Wednesday
    assert resumed_due_at(china("2026-03-02T09:00"), china("2026-03-02T11:00"), china("2026-03-02T15:00"),
                          1) == end_of("2026-03-04")


def test_a_return_and_resubmission_in_the_same_instant_changes_nothing():
    at = china("2026-03-03T14:00")
    assert resumed_due_at(china("2026-03-02T09:00"), at, at, 5) == end_of("2026-03-09")


def test_a_stage_already_overdue_when_returned_stays_overdue():
    entered, returned, resubmitted = china("2026-03-02T09:00"), china("2026-03-04T10:00"), china("2026-03-06T09:00")
    due = resumed_due_at(entered, returned, resubmitted, 1)
    assert due == end_of("2026-03-03")
    assert is_overdue(due, None, resubmitted)


def test_returned_in_the_last_second_gets_the_end_of_the_day_of_resubmission():
    # returned exactly at the due time: not late, but nothing left on the clock
    entered = china("2026-03-02T09:00")
    assert resumed_due_at(entered, end_of("2026-03-03"), china("2026-03-05T10:00"), 1) == end_of("2026-03-05")
    # resubmitted on a holiday: the end of the next working day
    assert resumed_due_at(entered, end_of("2026-03-03"), china("2026-03-07T10:00"), 1) == end_of("2026-03-09")


def test_resubmitted_during_national_day_counts_from_after_it():
    # review entered Tuesday Sep 29 09:00, due Oct 12 (30, Oct 8, 9, 10, 12); returned Wednesday Sep 30 09:00 with
    # Sep 30 09:00 to the end of Oct 12 left (15h + 3 days + 1 day - 1s); resubmitted Saturday Oct 3:
    # Oct 8 (15h used, counting from its start: the rest), 9, 10, 12, 13 -> the end of Oct 13
    assert resumed_due_at(china("2026-09-29T09:00"), china("2026-09-30T09:00"), china("2026-10-03T12:00"),
                          5) == end_of("2026-10-13")


def test_a_second_return_is_counted_from_the_due_time_of_the_first_resumption():
    entered = china("2026-03-02T09:00")
    first = resumed_due_at(entered, china("2026-03-06T10:00"), china("2026-03-09T10:00"), 5)
    assert first == end_of("2026-03-10")
    # returned again Tuesday Mar 10 00:00 with that day left, resubmitted Thursday Mar 12 00:00
    assert extend_for_return(first, china("2026-03-10T00:00"), china("2026-03-12T00:00")) == end_of("2026-03-12")


def test_a_return_into_a_year_without_a_notice_is_counted_and_marked():
    # review entered Monday Dec 28 09:00, due Jan 5 (29, 30, 31, Jan 4, 5); returned Tuesday Dec 29 09:00 with
    # 15h + 4 working days left; resubmitted Monday Jan 4 09:00: Jan 4 (15h), 5, 6, 7, 8 -> the end of Jan 8
    original = deadlines.due_of_entry(CALENDAR, china("2026-12-28T09:00"), "review", LIMITS)
    assert original == Due(end_of("2027-01-05"), True)
    resumed = deadlines.due_of_resumption(CALENDAR, original, china("2026-12-29T09:00"), china("2027-01-04T09:00"))
    assert resumed == Due(end_of("2027-01-08"), True)
    # overdue already when returned: it keeps its due time, and its mark
    late = deadlines.due_of_resumption(CALENDAR, Due(end_of("2026-12-22"), False), china("2026-12-28T09:00"),
                                       china("2027-01-04T09:00"))
    assert late.at == end_of("2026-12-22")


def test_recount_follows_the_timeline_through_a_return():
    entered = china("2026-12-28T09:00")
    timeline = [StageTiming("acceptance", entered, entered + timedelta(hours=1)),
                StageTiming("routing", entered + timedelta(hours=1), entered + timedelta(hours=1)),
                StageTiming("review", entered + timedelta(hours=1), china("2026-12-29T09:00")),
                StageTiming("returned", china("2026-12-29T09:00"), china("2027-01-04T09:00")),
                StageTiming("review", china("2027-01-04T09:00"), None)]
    dues = recount(CALENDAR, timeline, LIMITS)
    assert [due.at for due in dues] == [end_of("2026-12-29"), end_of("2026-12-29"), end_of("2027-01-05"), None,
                                        end_of("2027-01-08")]
    assert [due.provisional for due in dues] == [False, False, True, False, True]
    # the same timeline on a calendar with 2027 loaded: 4 January made a holiday moves both review due times
    loaded = workdays.WorkingCalendar({**workdays.seed_arrangements(), 2027: workdays.official(
        2027, "国办发明电〔2026〕99号", [(datetime(2027, 1, 1).date(), datetime(2027, 1, 4).date(), "元旦")], [])})
    again = recount(loaded, timeline, LIMITS)
    assert [due.at for due in again] == [end_of("2026-12-29"), end_of("2026-12-29"), end_of("2027-01-06"), None,
                                         end_of("2027-01-11")]
    assert not any(due.provisional for due in again)


@pytest.mark.parametrize(("entered", "returned", "resubmitted", "limit"), [
    ("2026-03-02T09:00", "2026-03-01T09:00", "2026-03-04T09:00", 5),   # returned before it was entered
    ("2026-03-02T09:00", "2026-03-04T09:00", "2026-03-03T09:00", 5),   # resubmitted before it was returned
    ("2026-03-02T09:00", "2026-03-03T09:00", "2026-03-04T09:00", -1),
])
def test_impossible_returns_are_refused(entered, returned, resubmitted, limit):
    with pytest.raises(ValueError):
        resumed_due_at(china(entered), china(returned), china(resubmitted), limit)


def test_a_missing_limit_is_refused():
    with pytest.raises(ValueError):
        resumed_due_at(china("2026-03-02T09:00"), china("2026-03-03T09:00"), china("2026-03-04T09:00"), None)


# --- overdue and escalation ----------------------------------------------------------------------

DUE = end_of("2026-03-03")
ONE_MICROSECOND = timedelta(microseconds=1)


@pytest.mark.parametrize(("due", "completed", "now", "overdue"), [
    (DUE, None, DUE, False),                                   # due at 23:59:59: not yet past it
    (DUE, None, DUE + ONE_MICROSECOND, True),
    (DUE, None, china("2026-03-02T09:00"), False),
    (DUE, DUE, DUE + timedelta(days=30), False),                # completed in time stays in time
    (DUE, DUE + ONE_MICROSECOND, DUE + timedelta(days=30), True),  # completed late stays late
    (DUE, DUE + timedelta(hours=1), DUE - timedelta(days=1), True),  # `now` does not matter once completed
    (None, None, DUE + timedelta(days=30), False),              # no limit: never overdue
    (None, DUE, DUE + timedelta(days=30), False),
    (DUE, None, datetime(2026, 3, 3, 16, 0, tzinfo=UTC), True),  # 2026-03-04 00:00 in China
    (DUE, None, datetime(2027, 6, 1, tzinfo=UTC), True),       # comparing instants needs no calendar
])
def test_is_overdue(due, completed, now, overdue):
    assert is_overdue(due, completed, now) is overdue


@pytest.mark.parametrize(("due", "escalation"), [
    ("2026-03-03", "2026-03-04"),
    ("2026-03-06", "2026-03-09"),   # Friday: after the weekend
    ("2026-02-13", "2026-02-14"),   # the Saturday before the Spring Festival is a working day
    ("2026-02-14", "2026-02-24"),   # across the Spring Festival
    ("2026-09-30", "2026-10-08"),   # across National Day
    ("2026-02-18", "2026-02-24"),   # a due day that is a holiday (a zero-day limit entered on one)
])
def test_escalation_after_one_more_working_day(due, escalation):
    assert escalation_at(end_of(due)) == end_of(escalation)


def test_escalation_into_a_year_without_a_notice_is_counted_on_its_statutory_holidays():
    # 1 January 2027 is 元旦, then the weekend
    assert escalation_at(end_of("2026-12-31")) == end_of("2027-01-04")


# --- properties ----------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 8, 31), timezones=st.just(CHINA))
limits = st.integers(min_value=1, max_value=60)
stages_with_limits = st.sampled_from(sorted(DEFAULT_LIMITS))
working_time = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@given(instants, stages_with_limits, limits)
def test_a_due_time_is_after_entry(entered, stage, limit):
    assert due_at(entered, stage, {stage: limit}) > entered


@given(instants, stages_with_limits, limits, limits)
def test_a_longer_limit_never_gives_an_earlier_due_time(entered, stage, a, b):
    shorter, longer = sorted((a, b))
    assert due_at(entered, stage, {stage: shorter}) <= due_at(entered, stage, {stage: longer})


@given(instants, limits, working_time, working_time)
def test_a_return_of_at_least_one_working_day_never_brings_the_due_time_forward(entered, limit, before, during):
    returned, resubmitted = entered + before, entered + before + during
    assume(working_days_between(returned, resubmitted) >= 1)
    original = due_at(entered, "review", {"review": limit})
    resumed = resumed_due_at(entered, returned, resubmitted, limit)
    assert resumed >= original


@given(instants, limits, working_time, working_time)
def test_no_return_ever_brings_the_due_time_forward(entered, limit, before, during):
    returned, resubmitted = entered + before, entered + before + during
    assert resumed_due_at(entered, returned, resubmitted, limit) >= due_at(entered, "review", {"review": limit})


@given(instants, limits, working_time, working_time)
# found by hypothesis in CI: a remainder running out in a day's last second (after its 23:59:59 due time)
@example(entered=datetime(2023, 2, 1, tzinfo=CHINA), limit=1, before=timedelta(0), during=timedelta(microseconds=1))
def test_staff_keep_the_time_left_at_the_return_and_gain_less_than_a_working_day(entered, limit, before, during):
    returned, resubmitted = entered + before, entered + before + during
    original = due_at(entered, "review", {"review": limit})
    assume(returned <= original)
    resumed = resumed_due_at(entered, returned, resubmitted, limit)
    left = working_days_between(returned, original)
    given_back = working_days_between(resubmitted, resumed) if resumed >= resubmitted else 0
    assert left <= given_back < left + 1
    assert resumed.timetz() == time(23, 59, 59, tzinfo=CHINA) and is_working_day(resumed.date())


@given(instants, limits)
def test_escalation_comes_one_working_day_after_a_due_time(entered, limit):
    due = due_at(entered, "review", {"review": limit})
    escalation = escalation_at(due)
    assert escalation > due and is_working_day(escalation.date())
    assert working_days_between(due, escalation) == 1


@given(instants, limits, st.timedeltas(min_value=-timedelta(days=5), max_value=timedelta(days=5)))
def test_completed_late_exactly_when_completed_after_the_due_time(entered, limit, delta):
    due = due_at(entered, "review", {"review": limit})
    assert is_overdue(due, due + delta, due + timedelta(days=365)) is (delta > timedelta(0))
