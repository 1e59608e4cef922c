"""Due times of application stages by the official working-day calendar (contract section 7).

A limit of N working days ends at the end (23:59:59 UTC+8) of the Nth working day after the day the stage was
entered. Every function that needs the calendar raises `workdays.CalendarNotCovered` for a date in a year the
calendar has no official arrangement for: a due time is reported as unknown, never guessed. All datetimes must be
timezone-aware.

The clock stops while an application is returned to the enterprise. A stage's allowance is the working time from
its entry to its due time; what was left of it at the return is what the stage has after the resubmission. The
resumed due time is the end of the working day on which that remainder runs out, counted from the resubmission:
rounding up to the end of a day, as the contract's own limits do, so staff never lose time to the return and gain
less than one working day from the rounding. A stage already overdue when returned keeps its due time: returning
an application is no way to wipe out a lateness.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from shared import workdays
from shared.clock import CHINA

_ONE_DAY = timedelta(days=1)
_DAY_US = _ONE_DAY // timedelta(microseconds=1)
_END_OF_DAY = time(23, 59, 59)


def _in_china(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(CHINA)


def _covered(instant: datetime, name: str) -> None:
    workdays.is_working_day(_in_china(instant, name).date())


def due_at(entered_at: datetime, stage: str, limits: Mapping[str, int]) -> datetime | None:
    """When `stage`, entered at `entered_at`, is due under `limits` (stages.limits_for, or the same mapping read
    back from JSON); None for a stage without a limit: the enterprise's own time and the terminal stages."""
    limit = limits.get(stage)
    if limit is None:
        return None
    return workdays.due_at(entered_at, limit)


def resumed_due_at(entered_at: datetime, returned_at: datetime, resubmitted_at: datetime, limit: int) -> datetime:
    """The due time of a stage entered at `entered_at` with `limit` working days, returned to the enterprise at
    `returned_at` and resubmitted at `resubmitted_at`: its original due time moved on by the stopped clock."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a whole number of working days >= 0, got {limit!r}")
    if _in_china(returned_at, "returned_at") < _in_china(entered_at, "entered_at"):
        raise ValueError(f"returned_at {returned_at.isoformat()} is before entered_at {entered_at.isoformat()}")
    return extend_for_return(workdays.due_at(entered_at, limit), returned_at, resubmitted_at)


def extend_for_return(due: datetime, returned_at: datetime, resubmitted_at: datetime) -> datetime:
    """`due` moved on by a return from `returned_at` to `resubmitted_at`, by the rule in the module docstring.

    This is the step `resumed_due_at` takes from the original due time; a stage returned a second time takes it
    again from the due time its resumption was given, so each stop is counted once and nothing is counted twice.
    """
    due = _in_china(due, "due")
    returned_at = _in_china(returned_at, "returned_at")
    resubmitted_at = _in_china(resubmitted_at, "resubmitted_at")
    if resubmitted_at < returned_at:
        raise ValueError(f"resubmitted_at {resubmitted_at.isoformat()} is before returned_at "
                         f"{returned_at.isoformat()}")
    _covered(returned_at, "returned_at")
    _covered(resubmitted_at, "resubmitted_at")
    if returned_at > due:
        return due
    # working_days_between is exact to the microsecond, so this product is a whole number of microseconds
    left = timedelta(microseconds=int(workdays.working_days_between(returned_at, due) * _DAY_US))
    day = resubmitted_at.date()
    while True:
        if workdays.is_working_day(day):
            midnight = datetime.combine(day, time(), tzinfo=CHINA)
            start, end = max(resubmitted_at, midnight), datetime.combine(day, _END_OF_DAY, tzinfo=CHINA)
            # the day's due time is 23:59:59, not midnight: a remainder that runs out in its last second
            # lands on the next working day's end, or staff would lose that part of a second
            if left <= end - start:
                # a day with no time left on the clock still counts: resumption lands on the end of a working day
                return end
            left -= midnight + _ONE_DAY - start
        day += _ONE_DAY


def is_overdue(due_at: datetime | None, completed_at: datetime | None, now: datetime) -> bool:
    """Whether the stage is overdue: open and now past its due time, or completed past it.

    A stage completed late stays overdue in its record (completed_at > due_at): the timeline is the history of
    how the application was handled, and completing it later does not make it punctual. A stage without a limit
    is never overdue. Comparing instants needs no calendar, so no year is refused here.
    """
    if due_at is None:
        return False
    due = _in_china(due_at, "due_at")
    if completed_at is not None:
        return _in_china(completed_at, "completed_at") > due
    return _in_china(now, "now") > due


def escalation_at(due_at: datetime) -> datetime:
    """When an overdue stage escalates to the city administrator: "after one more working day", the end of the
    first working day after the due day."""
    return workdays.due_at(due_at, 1)
