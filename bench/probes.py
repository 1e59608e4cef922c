"""Read-only peeks into the services' databases, for waiting on counts without loading the services.

A `SELECT count(*)` over millions of rows through a service's RPC runs inside that service's
only OS thread and stalls its handlers (SQLite calls do not yield to eventlet); polling it every
few hundred milliseconds would slow down the very thing being measured. Here the bench opens
each file itself, read-only (`mode=ro`: it can never write), and asks cheap questions:
`max(rowid)` is the row count of a table that is only ever appended to. Final counts are
confirmed afterwards through the services' own RPC methods.

On PostgreSQL (`PostgresPeek`, the same questions) a read-only session of the bench's own asks; a
table has no rowid there, and a serial id is no count (a conflicting or rolled-back insert uses up
sequence values), so an appended table is counted, at most every `PG_COUNT_EVERY_S`.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

COUNT_EVERY_S = 1.0
PG_COUNT_EVERY_S = 0.25   # a sync's clock stops at most this late; a count of 260,000 rows takes ~20 ms
# ... but a count of 2.6 million rows takes a few hundred ms of the server's CPU: counted every 0.25 s,
# the counts of the policy and notification databases took about 500 of a 100k sync's CPU-s on the
# same two cores. So at most PG_COUNT_SHARE of the time goes to counting (a clock then stops up to
# about a count's duration / PG_COUNT_SHARE late: a few seconds at 2.6 million rows).
PG_COUNT_SHARE = 0.1


class DatabasePeek:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._counted: dict[str, tuple[float, int]] = {}  # table -> (when counted, count)

    def _open(self) -> sqlite3.Connection | None:
        if self._connection is None:
            if not self.path.exists():
                return None
            # isolation_level=None: no implicit transaction, so no read snapshot is held between polls
            self._connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5,
                                               isolation_level=None, check_same_thread=False)
        return self._connection

    def scalar(self, sql: str, *params) -> int:
        connection = self._open()
        if connection is None:
            return 0
        try:
            value = connection.execute(sql, params).fetchone()[0]
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return 0        # the service has not created its schema yet
            raise
        return int(value or 0)

    def rows(self, sql: str, *params) -> list[tuple]:
        connection = self._open()
        if connection is None:
            return []
        return connection.execute(sql, params).fetchall()

    def appended(self, table: str) -> int:
        """Rows in a table that is only inserted into (never deleted from): its largest rowid.

        Tables keyed by their primary key (WITHOUT ROWID) have no rowid: they are counted, at
        most once a second, since a count walks the whole table."""
        if table not in self._counted:
            try:
                return self.scalar(f"SELECT max(rowid) FROM {table}")
            except sqlite3.OperationalError as error:
                if "rowid" not in str(error):
                    raise
                self._counted[table] = (float("-inf"), 0)
        checked_at, count = self._counted[table]
        if time.monotonic() - checked_at >= COUNT_EVERY_S:
            count = self.scalar(f"SELECT count(*) FROM {table}")
            self._counted[table] = (time.monotonic(), count)
        return count

    def handled(self, consumer: str) -> int:
        """Messages a consumer (`<service>.<entrypoint method>`) has handled: its inbox rows."""
        return self.scalar("SELECT count(*) FROM inbox WHERE consumer = ?", consumer)

    def outbox(self) -> int:
        """Events committed but not yet published by the service's relay."""
        return self.scalar("SELECT count(*) FROM outbox")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PostgresPeek(DatabasePeek):
    """`DatabasePeek`'s questions asked of a service's PostgreSQL database (SQL written with `?`)."""

    def __init__(self, url: str):
        self.url = url
        self.path = None      # no file: the live changes' watchers (`live_during_bulk`) need SQLite
        self._connection: psycopg.Connection | None = None
        self._counted: dict[str, tuple[float, int]] = {}

    def _open(self) -> psycopg.Connection | None:
        if self._connection is None:
            conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
            try:
                # autocommit: no snapshot held between polls; read-only: the bench can never write
                self._connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=5,
                                                   options="-c default_transaction_read_only=on")
            except psycopg.OperationalError:
                return None     # the database is not created yet
        return self._connection

    def rows(self, sql: str, *params) -> list[tuple]:
        connection = self._open()
        if connection is None:
            return []
        try:
            return connection.execute(sql.replace("?", "%s"), params).fetchall()
        except psycopg.errors.UndefinedTable:
            return []          # the service has not migrated its database yet

    def scalar(self, sql: str, *params) -> int:
        found = self.rows(sql, *params)
        return int(found[0][0] or 0) if found else 0

    def appended(self, table: str) -> int:
        """Rows in a table only inserted into: counted, at most every PG_COUNT_EVERY_S, and so that
        counting takes at most PG_COUNT_SHARE of the time."""
        next_at, count = self._counted.get(table, (float("-inf"), 0))
        started = time.monotonic()
        if started >= next_at:
            count = self.scalar(f"SELECT count(*) FROM {table}")
            took = time.monotonic() - started
            self._counted[table] = (started + max(PG_COUNT_EVERY_S, took / PG_COUNT_SHARE), count)
        return count


def peek_for(url: str) -> DatabasePeek | PostgresPeek:
    """The peek for a service's database URL (SQLite file or PostgreSQL database)."""
    parsed = make_url(url)
    return DatabasePeek(Path(parsed.database)) if parsed.get_backend_name() == "sqlite" else PostgresPeek(url)
