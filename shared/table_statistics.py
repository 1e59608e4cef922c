"""Planner statistics kept fresh for the tables a bulk sync fills (PostgreSQL).

PostgreSQL's planner chooses each plan by the tables' statistics, which ANALYZE gathers. Autovacuum
renews them once a table has changed by a tenth, looking at each database about once a minute; a
table a first bulk sync fills from empty has none until then, and none at all on a server where
autovacuum is off (the development machine's). Without them the planner guesses, and it guessed that
the matches of a hundred enterprises, asked by key, were a third of the table: a scan of the whole
table at every event, 195 of the policy database server's CPU-s in a 100k sync (docs/benchmarks.md).

So each service process looks every INTERVAL_S for its tables changed, since their last analysis, by
MIN_CHANGES rows plus SHARE of the rows they had then, and analyzes them, from a thread of its Store.
Where autovacuum keeps up, it has analyzed them first and there is nothing to do. Only tables its
database user may analyze are looked at (owned by a role it belongs to, or it is a superuser): of any
other table PostgreSQL would skip the ANALYZE with a warning, the changes would never reset, and every
pass would claim it again. Replicas may analyze a
table at about the same time: one waits for the other's lock, then samples it again; harmless.
SQLite needs none of this: its planner takes a key's index for lookups by key without statistics.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from eventlet.event import Event
from sqlalchemy import text

INTERVAL_S = 10.0
MIN_CHANGES = 1000     # rows inserted, updated or deleted since the table's last analysis
SHARE = 0.5            # of its rows at that analysis

# pg_class.reltuples is -1 for a table never analyzed (PostgreSQL 14 and later), 0 before that
_GROWN = text("SELECT s.schemaname, s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
              "WHERE s.n_mod_since_analyze >= :p_min + :p_share * GREATEST(c.reltuples, 0) "
              "AND (pg_has_role(c.relowner, 'USAGE') "
              "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)) "
              "ORDER BY s.n_mod_since_analyze DESC")


def grown_tables(connection) -> list[tuple[str, str]]:
    """(schema, table) of each table changed enough since its last analysis, the most changed first."""
    return [tuple(row) for row in connection.execute(_GROWN, {"p_min": MIN_CHANGES, "p_share": SHARE})]


def analyze(engine, tables: list[tuple[str, str]]) -> None:
    """ANALYZE each table, each in a transaction of its own (a name cannot be a bound parameter: these
    come from the server's own catalogue, quoted)."""
    quote = engine.dialect.identifier_preparer.quote
    for schema, table in tables:
        with engine.begin() as connection:
            connection.execute(text(f"ANALYZE {quote(schema)}.{quote(table)}"))


class StatisticsKeeper:
    """The thread of one service process that keeps its tables' statistics fresh (PostgreSQL only)."""

    def __init__(self, engine, log):
        self.engine = engine
        self.log = log
        self._stopped = Event()

    def run(self, running: Callable[[], bool]) -> None:
        while running():
            self._stopped.wait(INTERVAL_S)   # a stop ends the wait at once
            if not running():
                return
            self.run_pass()

    def run_pass(self) -> list[str]:
        """Analyze what grew; the tables analyzed. A failure (the database away) waits for the next pass."""
        started = time.monotonic()
        try:
            with self.engine.connect() as connection:
                tables = grown_tables(connection)
            analyze(self.engine, tables)
        except Exception as error:  # noqa: BLE001 - statistics can wait for the next pass; the service goes on
            self.log.warning("table_statistics_failed", error=str(error), retry_in_s=INTERVAL_S)
            return []
        names = [table for _schema, table in tables]
        if names:
            self.log.info("table_statistics_refreshed", tables=names, seconds=round(time.monotonic() - started, 3))
        return names

    def stop(self) -> None:
        if not self._stopped.ready():
            self._stopped.send(True)
