"""Forgetting inbox rows past their retention, so that the inboxes stop growing with every message.

An inbox row (`shared.store`, `first_delivery`) only has to outlive the copies of its message that can
still arrive: a redelivery after a lost ack, the relay's re-send after a crash between the broker's
confirm and its commit (minutes; a producer's outage at most). Dead letters and parked messages that are
replayed later were never handled, so they have no row. Each service process deletes its own
database's rows older than `HUIQI_INBOX_RETENTION_DAYS` (30 days) every `INTERVAL_S`, from a thread of
its Store, as the outbox relay runs (docs/reliability.md, "How long the inbox remembers").

Cheap and short: each batch is one transaction deleting at most `BATCH` of the oldest rows (found
through `inbox_by_handled_at`), taken as bulk work (on SQLite, a live transaction waiting for the
writer goes first), with a pause between batches so that a first pass over months of rows does not
hold the database. Replicas of a service (PostgreSQL) may prune at once: each skips the rows another
has locked (`SKIP LOCKED`) instead of waiting for them, and a row deleted twice is deleted once.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import eventlet
from eventlet.event import Event
from sqlalchemy import bindparam, text

from shared import clock
from shared.database import UtcDateTime

BATCH = 5000
INTERVAL_S = 3600.0
FIRST_PASS_DELAY_S = 60.0      # not while the service warms up and takes its first messages
PAUSE_BETWEEN_BATCHES_S = 0.05

# The oldest rows past the cutoff, from the low end of `inbox_by_handled_at`, deleted by their physical
# address: a lookup each, where deleting by key let PostgreSQL's planner scan the whole table to match
# the batch's keys (a hash join). PostgreSQL skips the rows another replica's batch holds (SKIP LOCKED);
# SQLite has one writer at a time.
_DELETE_OLDEST = {dialect: statement.bindparams(bindparam("p_cutoff", type_=UtcDateTime())) for dialect, statement in {
    "postgresql": text("DELETE FROM inbox WHERE ctid = ANY(ARRAY("
                       "SELECT ctid FROM inbox WHERE handled_at < :p_cutoff ORDER BY handled_at LIMIT :p_limit "
                       "FOR UPDATE SKIP LOCKED))"),
    "sqlite": text("DELETE FROM inbox WHERE rowid IN ("
                   "SELECT rowid FROM inbox WHERE handled_at < :p_cutoff ORDER BY handled_at LIMIT :p_limit)"),
}.items()}


def cutoff(retention: timedelta) -> datetime:
    """Rows handled before this are past their retention. The earlier of the platform's time and the
    wall clock: a demo's time travel forward (contract section 7) must not make the pruner forget
    what was handled at the real time just before."""
    return min(clock.now(), datetime.now(UTC)) - retention


def prune_batch(engine, writing: Callable, older_than: datetime, limit: int = BATCH) -> int:
    """Delete at most `limit` inbox rows handled before `older_than`, the oldest first; how many."""
    with writing(True), engine.begin() as connection:
        return delete_oldest(connection, older_than, limit)


def delete_oldest(connection, older_than: datetime, limit: int) -> int:
    """`prune_batch`'s statement, in the caller's transaction."""
    statement = _DELETE_OLDEST[connection.dialect.name]
    return connection.execute(statement, {"p_cutoff": older_than, "p_limit": limit}).rowcount


def prune(engine, writing: Callable, older_than: datetime, **options) -> tuple[int, int]:
    """Every batch of `batches`; (rows deleted, batches)."""
    counts = list(batches(engine, writing, older_than, **options))
    return sum(counts), len(counts)


def batches(engine, writing: Callable, older_than: datetime, *, limit: int = BATCH,
            pause_s: float = PAUSE_BETWEEN_BATCHES_S, running: Callable[[], bool] = lambda: True) -> Iterator[int]:
    """`prune_batch` again until one deletes fewer than `limit` rows (or `running()` turns false),
    yielding how many each deleted. Other green threads run between batches."""
    while running():
        count = prune_batch(engine, writing, older_than, limit)
        yield count
        if count < limit:
            return
        eventlet.sleep(pause_s)


class InboxPruner:
    """The pruning thread of one service process (started and stopped by its Store)."""

    def __init__(self, engine, writing: Callable, log, retention: timedelta, on_pruned: Callable[[int], None]):
        self.engine = engine
        self.writing = writing      # the service's writer lock (SQLite), or a no-op
        self.log = log
        self.retention = retention
        self.on_pruned = on_pruned  # the metrics counter
        self._stopped = Event()

    def run(self, running: Callable[[], bool]) -> None:
        wait = FIRST_PASS_DELAY_S
        while running():
            self._stopped.wait(wait)   # a stop ends the wait at once
            if not running():
                return
            self.run_pass(running)
            wait = INTERVAL_S

    def run_pass(self, running: Callable[[], bool] = lambda: True) -> int:
        """One pass; how many rows it deleted. A failure (the database away) leaves the rest for the
        next pass; what the batches before it deleted is logged and counted all the same."""
        older_than, started = cutoff(self.retention), time.monotonic()
        deleted = done = 0
        try:
            for count in batches(self.engine, self.writing, older_than, running=running):
                deleted, done = deleted + count, done + 1
        except Exception as error:  # noqa: BLE001 - the rows wait for the next pass; the service goes on
            self.log.warning("inbox_prune_failed", error=str(error), rows=deleted, retry_in_s=INTERVAL_S)
        if deleted:
            self.on_pruned(deleted)
            self.log.info("inbox_pruned", rows=deleted, batches=done, handled_before=older_than.isoformat(),
                          retention_days=self.retention.days, seconds=round(time.monotonic() - started, 3))
        return deleted

    def stop(self) -> None:
        if not self._stopped.ready():
            self._stopped.send(True)
