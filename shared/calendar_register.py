"""A service's own copy of the official working-day arrangements (contract section 13).

Each service that counts working days keeps, in its own database, the official arrangements loaded at run
time (`PUT /api/v1/calendar/{year}`), on top of those transcribed in `workdays_cn.json`. The application
service holds the register the administrator writes to; every other keeps its copy from the `calendar.loaded`
events. `CalendarProvider` gives each worker the calendar its database holds now: replicas of a service share
the database, so a year loaded through one is counted on by all of them at their next call.
"""
from __future__ import annotations

from datetime import datetime

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared import workdays
from shared.database import UtcDateTime, insert_ignoring_duplicates


def define(metadata: MetaData) -> Table:
    """The register's table, in a service's own metadata."""
    return Table(
        "calendar_years", metadata,
        Column("year", Integer, primary_key=True, autoincrement=False),
        Column("arrangement", JSON, nullable=False),        # workdays.Arrangement.to_json()
        Column("revision", Integer, nullable=False),        # one more each time the year is loaded
        Column("loaded_at", UtcDateTime(), nullable=False),
        Column("loaded_by", String(100)),
    )


def arrangements(connection: Session | Connection, table: Table) -> dict[int, workdays.Arrangement]:
    """Every official arrangement: the transcribed ones, replaced by those loaded for the same year."""
    loaded = {row.year: workdays.arrangement_from_json(row.arrangement)
              for row in connection.execute(select(table.c.year, table.c.arrangement))}
    return {**workdays.seed_arrangements(), **loaded}


def store_next(connection: Session | Connection, table: Table, arrangement: workdays.Arrangement, now: datetime,
               loaded_by: str | None) -> int:
    """Keep `arrangement` as the year's next revision, and return that revision. Two loads of one year at once
    take turns on its row (a first load creates it, the other waits for that and then counts on from it)."""
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    values = {"arrangement": arrangement.to_json(), "loaded_at": now, "loaded_by": loaded_by}
    connection.execute(insert_ignoring_duplicates(bind.dialect.name, table),
                       {"year": arrangement.year, "revision": 0, **values})
    revision = connection.execute(select(table.c.revision).where(table.c.year == arrangement.year)
                                  .with_for_update()).scalar_one() + 1
    connection.execute(update(table).where(table.c.year == arrangement.year).values(revision=revision, **values))
    return revision


def store(connection: Session | Connection, table: Table, arrangement: workdays.Arrangement, revision: int,
          now: datetime, loaded_by: str | None) -> bool:
    """Keep `arrangement` as the year's `revision`, unless a revision as new is kept already (an event that
    comes late or twice changes nothing). Whether it was kept."""
    current = connection.execute(select(table.c.revision).where(table.c.year == arrangement.year)
                                 .with_for_update()).scalar()
    values = {"arrangement": arrangement.to_json(), "revision": revision, "loaded_at": now, "loaded_by": loaded_by}
    if current is None:
        connection.execute(table.insert().values(year=arrangement.year, **values))
        return True
    if current >= revision:
        return False
    connection.execute(update(table).where(table.c.year == arrangement.year).values(**values))
    return True


class CalendarProvider(DependencyProvider):
    """The working calendar of the service's register, rebuilt only when the register changed."""

    def __init__(self, table: Table):
        self.table = table

    def setup(self):
        self._lock = Semaphore(1)
        self._stamp = None
        self._calendar = workdays.seeded()

    def get_dependency(self, worker_ctx):
        return self

    def current(self, connection: Session | Connection) -> workdays.WorkingCalendar:
        """The calendar as the register stands in `connection`'s view (one small query)."""
        stamp = tuple(connection.execute(select(self.table.c.year, self.table.c.revision)
                                         .order_by(self.table.c.year)).tuples())
        with self._lock:
            if stamp != self._stamp:
                self._calendar = workdays.WorkingCalendar(arrangements(connection, self.table))
                self._stamp = stamp
            return self._calendar
