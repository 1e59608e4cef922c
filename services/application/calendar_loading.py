"""Loading a year's official working-day arrangement into the application service's register."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from services.application.models import calendar_years
from shared import calendar_register, workdays
from shared.contracts.actors import Actor
from shared.contracts.events import CalendarHoliday, CalendarLoaded
from shared.errors import Invalid


def load(session: Session, year: int, notice: str, holidays: list[tuple[date, date, str]], adjusted: list[date],
         actor: Actor, now: datetime) -> CalendarLoaded:
    """Keep the year's arrangement as its next revision; the event every service counts its due times on."""
    try:
        arrangement = workdays.official(year, notice, holidays, adjusted)
    except workdays.ArrangementError as error:
        raise Invalid(f"{error.field}: {error.message}", [{"field": error.field, "message": error.message}]) from None
    revision = calendar_register.store_next(session, calendar_years, arrangement, now, actor.id)
    return CalendarLoaded(year=year, revision=revision, notice=arrangement.notice,
                          holidays=[CalendarHoliday(first=holiday.first, last=holiday.last, name=holiday.name)
                                    for holiday in arrangement.holidays],
                          workdays=list(arrangement.workdays))


def shown(calendar: workdays.WorkingCalendar, year: int) -> dict:
    """A year as `GET /api/v1/calendar/{year}` answers it."""
    return calendar.arrangement(year).to_json()
