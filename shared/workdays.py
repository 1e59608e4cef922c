"""The official Chinese working-day calendar: weekends, public holidays and adjusted working days (调休).

The dates come from the General Office of the State Council's yearly notice on holiday arrangements,
transcribed in `workdays_cn.json`. A year without a notice in that file is never guessed: every function
raises CalendarNotCovered for a date in it. All days are calendar days in China (UTC+8, `clock.CHINA`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from functools import cache
from importlib.resources import files

from shared.clock import CHINA

_END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)


class CalendarNotCovered(Exception):
    """The calendar has no official arrangement for this year."""

    def __init__(self, year: int, covered: tuple[int, ...]):
        super().__init__(
            f"the working-day calendar does not cover {year}; covered years: {', '.join(map(str, covered))}"
        )
        self.year = year
        self.covered = covered


@dataclass(frozen=True)
class _Calendar:
    years: tuple[int, ...]
    holidays: dict[date, str]
    working_weekends: frozenset[date]


@cache
def _calendar() -> _Calendar:
    raw = json.loads(files("shared").joinpath("workdays_cn.json").read_text(encoding="utf-8"))
    holidays: dict[date, str] = {}
    working_weekends: set[date] = set()
    for arrangement in raw["years"].values():
        for holiday in arrangement["holidays"]:
            holidays.update((date.fromisoformat(day), holiday["name"]) for day in holiday["days"])
        working_weekends.update(date.fromisoformat(day) for day in arrangement["working_weekends"])
    return _Calendar(tuple(sorted(int(year) for year in raw["years"])), holidays, frozenset(working_weekends))


def covered_years() -> tuple[int, ...]:
    return _calendar().years


def _covered(day: date) -> _Calendar:
    calendar = _calendar()
    if day.year not in calendar.years:
        raise CalendarNotCovered(day.year, calendar.years)
    return calendar


def is_working_day(day: date) -> bool:
    calendar = _covered(day)
    if day in calendar.working_weekends:
        return True
    return day not in calendar.holidays and day.weekday() < 5


def holiday_name(day: date) -> str | None:
    """The holiday whose break `day` belongs to (e.g. 春节), or None for a working day or an ordinary weekend."""
    return _covered(day).holidays.get(day)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day strictly after `day`.

    `day` itself may be a holiday or a weekend: only the days after it are counted. n == 0 returns `day`
    unchanged, working day or not (zero steps, so the interval (day, result] holds zero working days).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    _covered(day)
    while n:
        day += _ONE_DAY
        if is_working_day(day):
            n -= 1
    return day


def _in_china(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(CHINA)


def due_at(entered_at: datetime, working_days: int) -> datetime:
    """When a limit of `working_days` working days, counted from the day `entered_at` falls on in UTC+8, ends.

    Contract: the limit ends at the end of the Nth working day after the day the stage was entered, local time.
    The end is 23:59:59 UTC+8 of that day: a stage is overdue when now > due_at. working_days == 0 gives
    the end of the entry day itself.
    """
    entered_day = _in_china(entered_at, "entered_at").date()
    return datetime.combine(add_working_days(entered_day, working_days), _END_OF_DAY, tzinfo=CHINA)


def working_days_between(start: datetime, end: datetime) -> Fraction:
    """How many working days elapsed in [start, end), exactly, as a fraction of 24-hour days.

    Each UTC+8 calendar day that is a working day contributes the part of its 24 hours that lies inside
    the interval; holidays and weekends contribute nothing. So a full working day counts 1, noon to
    midnight of a working day counts 1/2, and a Friday 18:00 to Monday 09:00 span counts 6/24 + 9/24.
    Microsecond-exact: convert with float() when an approximation will do.
    """
    start, end = _in_china(start, "start"), _in_china(end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    elapsed = timedelta(0)
    day = start.date()
    while (midnight := datetime.combine(day, time(), tzinfo=CHINA)) < end:
        if is_working_day(day):
            elapsed += min(end, midnight + _ONE_DAY) - max(start, midnight)
        day += _ONE_DAY
    return Fraction(elapsed // timedelta(microseconds=1), _ONE_DAY // timedelta(microseconds=1))
