"""Read-only peeks into the services' SQLite files, for waiting on counts without loading the services.

A `SELECT count(*)` over millions of rows through a service's RPC runs inside that service's
only OS thread and stalls its handlers (SQLite calls do not yield to eventlet); polling it every
few hundred milliseconds would slow down the very thing being measured. Here the bench opens
each file itself, read-only (`mode=ro`: it can never write), and asks cheap questions:
`max(rowid)` is the row count of a table that is only ever appended to. Final counts are
confirmed afterwards through the services' own RPC methods.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

COUNT_EVERY_S = 1.0


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
