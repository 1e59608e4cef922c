"""The Chinese working-day calendar: weekends, public holidays and adjusted working days (调休).

Pure: a `WorkingCalendar` is built from the official arrangements it is given, one per year (the General
Office of the State Council's yearly notice). `seed_arrangements` reads those transcribed in
`workdays_cn.json`; a service adds those loaded at run time (`PUT /api/v1/calendar/{year}`).

A year without an official arrangement is *provisional* (contract section 13): weekends and the statutory
holidays of 全国年节及纪念日放假办法 as revised in 2024 (effective 2025), the lunar ones from the lunar
calendar, and no adjusted working days. Nothing fails for want of a notice; what was counted on a provisional
year says so (`provisional_between`) and is counted again once the notice is loaded.
All days are calendar days in China (UTC+8, `clock.CHINA`).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from functools import cache
from importlib.resources import files
from typing import Literal

from lunar_python import Lunar

from shared.clock import CHINA

_END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)
# 全国年节及纪念日放假办法 as revised on 2024-11-10 (国务院令第795号), in force from 2025-01-01
STATUTORY_RULES = "全国年节及纪念日放假办法（2024年修订）"


class ArrangementError(ValueError):
    """An arrangement that cannot be right: a date outside its year, a holiday that ends before it starts,
    an adjusted working day that is no weekend day or is also a holiday. `field` names what is wrong."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Due:
    """A due time counted in working days, and whether a year without an official arrangement was counted on
    (then it is counted again once that year's notice is loaded). `at` is None where nothing is due."""

    at: datetime | None
    provisional: bool


@dataclass(frozen=True)
class Holiday:
    first: date
    last: date
    name: str

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Arrangement:
    """One year's days off and adjusted working days: an official notice's, or the provisional rules'."""

    year: int
    source: Literal["official", "provisional"]
    notice: str | None
    holidays: tuple[Holiday, ...]
    workdays: tuple[date, ...]                # weekend days made working days (上班)
    days_off: Mapping[date, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "days_off", {day: holiday.name for holiday in self.holidays
                                              for day in holiday.days()})

    def to_json(self) -> dict:
        return {"year": self.year, "source": self.source, "notice": self.notice,
                "holidays": [[holiday.first.isoformat(), holiday.last.isoformat(), holiday.name]
                             for holiday in self.holidays],
                "workdays": [day.isoformat() for day in self.workdays]}


def official(year: int, notice: str, holidays: Iterable[tuple[date, date, str]],
             workdays: Iterable[date]) -> Arrangement:
    """An official arrangement, checked: ArrangementError naming the field when it cannot be right."""
    if not notice or not notice.strip():
        raise ArrangementError("notice", "the State Council notice is required")
    checked: list[Holiday] = []
    for position, (first, last, name) in enumerate(holidays):
        where = f"holidays[{position}]"
        if not name or not name.strip():
            raise ArrangementError(where, "a holiday needs a name")
        if last < first:
            raise ArrangementError(where, f"ends ({last}) before it starts ({first})")
        if first.year != year or last.year != year:
            raise ArrangementError(where, f"{first} to {last} is not within {year}; list only this year's days")
        checked.append(Holiday(first, last, name.strip()))
    off: dict[date, str] = {}
    for position, holiday in enumerate(checked):
        for day in holiday.days():
            if day in off:
                raise ArrangementError(f"holidays[{position}]", f"{day} is already in {off[day]}")
            off[day] = holiday.name
    adjusted = sorted(set(workdays))
    for position, day in enumerate(adjusted):
        where = f"workdays[{position}]"
        if day.year != year:
            raise ArrangementError(where, f"{day} is not within {year}")
        if day.weekday() < 5:
            raise ArrangementError(where, f"{day} is a weekday: adjusted working days are Saturdays or Sundays")
        if day in off:
            raise ArrangementError(where, f"{day} is also a day off ({off[day]})")
    return Arrangement(year, "official", notice.strip(), tuple(sorted(checked, key=lambda h: h.first)),
                       tuple(adjusted))


def arrangement_from_json(raw: Mapping) -> Arrangement:
    """An official arrangement as `Arrangement.to_json` wrote it (stored, or carried by an event)."""
    return official(int(raw["year"]), raw["notice"],
                    [(date.fromisoformat(first), date.fromisoformat(last), name)
                     for first, last, name in raw["holidays"]],
                    [date.fromisoformat(day) for day in raw["workdays"]])


@cache
def seed_arrangements() -> dict[int, Arrangement]:
    """The official arrangements transcribed in workdays_cn.json (each break listed day by day there)."""
    raw = json.loads(files("shared").joinpath("workdays_cn.json").read_text(encoding="utf-8"))
    seeded = {}
    for year, notice in raw["years"].items():
        holidays = [(date.fromisoformat(holiday["days"][0]), date.fromisoformat(holiday["days"][-1]), holiday["name"])
                    for holiday in notice["holidays"]]
        seeded[int(year)] = official(int(year), notice["notice"], holidays,
                                     [date.fromisoformat(day) for day in notice["working_weekends"]])
    return seeded


@cache
def provisional(year: int) -> Arrangement:
    """The statutory holidays of `year` with no adjusted days: what a year without a notice is counted on.

    元旦 1 January; 春节 除夕 to 正月初三 (4 days); 清明节 the 清明 solar term; 劳动节 1-2 May;
    端午节 五月初五; 中秋节 八月十五; 国庆节 1-3 October. A holiday on a weekend is not moved: adjusting
    days is what the notice does."""
    spring_festival = _solar(Lunar.fromYmd(year, 1, 1))
    qingming = _solar(Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"])
    holidays = (
        Holiday(date(year, 1, 1), date(year, 1, 1), "元旦"),
        Holiday(spring_festival - _ONE_DAY, spring_festival + 2 * _ONE_DAY, "春节"),
        Holiday(qingming, qingming, "清明节"),
        Holiday(date(year, 5, 1), date(year, 5, 2), "劳动节"),
        Holiday(dragon_boat := _solar(Lunar.fromYmd(year, 5, 5)), dragon_boat, "端午节"),
        Holiday(mid_autumn := _solar(Lunar.fromYmd(year, 8, 15)), mid_autumn, "中秋节"),
        Holiday(date(year, 10, 1), date(year, 10, 3), "国庆节"),
    )
    return Arrangement(year, "provisional", None, tuple(sorted(holidays, key=lambda h: h.first)), ())


def _solar(day) -> date:
    solar = day.getSolar() if isinstance(day, Lunar) else day
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _in_china(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(CHINA)


class WorkingCalendar:
    """Working days by the official arrangements given (year -> Arrangement), provisional for other years."""

    def __init__(self, arrangements: Mapping[int, Arrangement]):
        self._official = dict(arrangements)
        self._days_off: dict[int, Mapping[date, str]] = {}
        self._workdays: dict[int, frozenset[date]] = {}

    def official_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._official))

    def arrangement(self, year: int) -> Arrangement:
        return self._official.get(year) or provisional(year)

    def is_provisional(self, year: int) -> bool:
        return year not in self._official

    def provisional_between(self, start: datetime | date, end: datetime | date) -> bool:
        """Whether any day from `start` to `end` (China days, both included) lies in a provisional year."""
        first = _in_china(start, "start").date() if isinstance(start, datetime) else start
        last = _in_china(end, "end").date() if isinstance(end, datetime) else end
        return any(self.is_provisional(year) for year in range(first.year, max(first.year, last.year) + 1))

    def _year(self, year: int) -> tuple[Mapping[date, str], frozenset[date]]:
        if year not in self._days_off:
            arrangement = self.arrangement(year)
            self._days_off[year] = arrangement.days_off
            self._workdays[year] = frozenset(arrangement.workdays)
        return self._days_off[year], self._workdays[year]

    def is_working_day(self, day: date) -> bool:
        days_off, workdays = self._year(day.year)
        if day in workdays:
            return True
        return day not in days_off and day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The holiday whose break `day` belongs to (e.g. 春节), or None for a working day or an ordinary weekend."""
        return self._year(day.year)[0].get(day)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day`.

        `day` itself may be a holiday or a weekend: only the days after it are counted. n == 0 returns `day`
        unchanged, working day or not (zero steps, so the interval (day, result] holds zero working days).
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        while n:
            day += _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def due_at(self, entered_at: datetime, working_days: int) -> datetime:
        """When a limit of `working_days` working days, counted from the day `entered_at` falls on in UTC+8, ends.

        Contract: the limit ends at the end of the Nth working day after the day the stage was entered, local
        time. The end is 23:59:59 UTC+8 of that day: a stage is overdue when now > due_at. working_days == 0
        gives the end of the entry day itself.
        """
        entered_day = _in_china(entered_at, "entered_at").date()
        return datetime.combine(self.add_working_days(entered_day, working_days), _END_OF_DAY, tzinfo=CHINA)

    def due(self, start: datetime, working_days: int) -> Due:
        """`due_at(start, working_days)`, marked provisional when a day from `start` to it lies in a provisional
        year: what every limit counted from one instant (a stage entered, a question asked, a rating) keeps."""
        at = self.due_at(start, working_days)
        return Due(at, self.provisional_between(start, at))

    def working_days_between(self, start: datetime, end: datetime) -> Fraction:
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
            if self.is_working_day(day):
                elapsed += min(end, midnight + _ONE_DAY) - max(start, midnight)
            day += _ONE_DAY
        return Fraction(elapsed // timedelta(microseconds=1), _ONE_DAY // timedelta(microseconds=1))


def seeded() -> WorkingCalendar:
    """The calendar of the transcribed notices alone, for tools and tests; services use their register."""
    return WorkingCalendar(seed_arrangements())


RENEWAL_NOTICE_DAYS = 60


def renewal_warning(calendar: WorkingCalendar, today: date) -> str | None:
    """A warning from 60 days before the last official year ends: the next year's notice should be loaded."""
    years = calendar.official_years()
    last = max(years) if years else today.year - 1
    if today < date(last, 12, 31) - timedelta(days=RENEWAL_NOTICE_DAYS):
        return None
    return (f"工作日历的官方安排只到 {last} 年：{last + 1} 年的到期时间按法定节假日临时计算（provisional），"
            f"请在国务院办公厅公布通知后通过 PUT /api/v1/calendar/{last + 1} 载入")
