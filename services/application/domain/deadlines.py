"""Due times of application stages by the official working-day calendar (contract section 7).

A limit of N working days ends at the end (23:59:59 UTC+8) of the Nth working day after the day the stage was
entered, by the `workdays.WorkingCalendar` given: a year without an official arrangement is counted on the
provisional one, and a due time counted on it is marked provisional (`recount` counts a timeline again once the
year's arrangement is loaded). All datetimes must be timezone-aware.

The clock stops while an application is returned to the enterprise. A stage's allowance is the working time from
its entry to its due time; what was left of it at the return is what the stage has after the resubmission. The
resumed due time is the end of the working day on which that remainder runs out, counted from the resubmission:
rounding up to the end of a day, as the contract's own limits do, so staff never lose time to the return and gain
less than one working day from the rounding. A stage already overdue when returned keeps its due time: returning
an application is no way to wipe out a lateness.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from shared.clock import CHINA
from shared.contracts.applications import Stage
from shared.workdays import Due, WorkingCalendar

_ONE_DAY = timedelta(days=1)
_DAY_US = _ONE_DAY // timedelta(microseconds=1)
_END_OF_DAY = time(23, 59, 59)


def _in_china(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(CHINA)


def due_at(calendar: WorkingCalendar, entered_at: datetime, stage: str, limits: Mapping[str, int]) -> datetime | None:
    """When `stage`, entered at `entered_at`, is due under `limits` (stages.limits_for, or the same mapping read
    back from JSON); None for a stage without a limit: the enterprise's own time and the terminal stages."""
    limit = limits.get(stage)
    if limit is None:
        return None
    return calendar.due_at(entered_at, limit)


def resumed_due_at(calendar: WorkingCalendar, entered_at: datetime, returned_at: datetime,
                   resubmitted_at: datetime, limit: int) -> datetime:
    """The due time of a stage entered at `entered_at` with `limit` working days, returned to the enterprise at
    `returned_at` and resubmitted at `resubmitted_at`: its original due time moved on by the stopped clock."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a whole number of working days >= 0, got {limit!r}")
    if _in_china(returned_at, "returned_at") < _in_china(entered_at, "entered_at"):
        raise ValueError(f"returned_at {returned_at.isoformat()} is before entered_at {entered_at.isoformat()}")
    return extend_for_return(calendar, calendar.due_at(entered_at, limit), returned_at, resubmitted_at)


def extend_for_return(calendar: WorkingCalendar, due: datetime, returned_at: datetime,
                      resubmitted_at: datetime) -> datetime:
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
    if returned_at > due:
        return due
    # working_days_between is exact to the microsecond, so this product is a whole number of microseconds
    left = timedelta(microseconds=int(calendar.working_days_between(returned_at, due) * _DAY_US))
    day = resubmitted_at.date()
    while True:
        if calendar.is_working_day(day):
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


def escalation_at(calendar: WorkingCalendar, due_at: datetime) -> datetime:
    """When an overdue stage escalates to the city administrator: "after one more working day", the end of the
    first working day after the due day."""
    return calendar.due_at(due_at, 1)


@dataclass(frozen=True)
class StageTiming:
    """What counting a stage's due time takes: the stage, when it was entered and when it was completed."""

    stage: str
    entered_at: datetime
    completed_at: datetime | None


def due_of_entry(calendar: WorkingCalendar, entered_at: datetime, stage: str, limits: Mapping[str, int]) -> Due:
    """A stage entered afresh: its due time, and whether a provisional year was counted on."""
    limit = limits.get(stage)
    return Due(None, False) if limit is None else calendar.due(entered_at, limit)


def due_of_resumption(calendar: WorkingCalendar, returned: Due, returned_at: datetime,
                      resubmitted_at: datetime) -> Due:
    """A stage resubmitted after a return: its due time `returned` (the one it had when returned) moved on by
    the stopped clock; provisional when that one was, or when the counting touched a provisional year."""
    at = extend_for_return(calendar, returned.at, returned_at, resubmitted_at)
    return Due(at, returned.provisional or calendar.provisional_between(min(returned_at, at), max(resubmitted_at, at)))


def recount(calendar: WorkingCalendar, timeline: Sequence[StageTiming], limits: Mapping[str, int]) -> list[Due]:
    """The due time of every stage of an application's timeline (in order) counted again on `calendar`, as the
    hall counted them when each stage was entered: a stage entered right after a return resumes the due time of
    the last earlier entry of the same stage; every other stage's is counted from its entry."""
    dues: list[Due] = []
    for position, timing in enumerate(timeline):
        after_return = position > 0 and timeline[position - 1].stage == Stage.returned
        earlier = next((number for number in range(position - 1, -1, -1)
                        if timeline[number].stage == timing.stage), None) if after_return else None
        if earlier is not None and dues[earlier].at is not None and timeline[earlier].completed_at is not None:
            dues.append(due_of_resumption(calendar, dues[earlier], timeline[earlier].completed_at, timing.entered_at))
        else:
            dues.append(due_of_entry(calendar, timing.entered_at, timing.stage, limits))
    return dues
