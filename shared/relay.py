"""The outbox relay: publishes a service's committed events, then deletes them from its outbox.

Events reach the relay two ways:
- **handed over** by the transaction that wrote them, right after its commit, so the usual event
  is published without the table being read at all;
- **read from the table** (`drain`): at start (what a crash left behind), after any failure (the
  events handed over between the failure and the drain are ignored, being in the table too; the
  drain publishes what the table holds before anything handed over since it began, so events leave
  in the order they were written), and every `SCAN_INTERVAL_S` (what another replica, now gone,
  left).

Publishing waits for the broker's confirm of each batch; an event no queue is bound for becomes a
dead letter. Confirmed events are deleted together, at most `DELETE_DELAY_S` after the first of
them was confirmed (at once in a drain), so a busy service deletes a few times a second instead
of once per transaction. A crash between publish and delete sends them again; consumers'
inboxes make that harmless.

On PostgreSQL several replicas of a service share one outbox, and each relay scans it: a scan would
publish again what another replica's relay is publishing or has published and not yet deleted. So
there a relay **claims** rows before it publishes them (`SELECT ... FOR UPDATE SKIP LOCKED`, in a
transaction that deletes them once confirmed): a row another relay holds or has deleted is not
its to send. Each event leaves once, whichever replica wrote it, unless a relay dies between the
broker's confirm and its commit (then the rows are still there, and are sent again). SQLite is one
process: it keeps the delayed delete.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager, nullcontext

import eventlet
from eventlet.event import Event
from eventlet.queue import Empty, LightQueue
from sqlalchemy import bindparam, delete, insert, select

from shared import clock
from shared import messaging_tables as tables
from shared.publisher import ConfirmingPublisher, Outgoing

RELAY_BATCH = 500
DELETE_DELAY_S = 0.2
SCAN_INTERVAL_S = 5.0
IDLE_WAIT_S = 1.0

_OLDEST = select(tables.outbox).order_by(tables.outbox.c.id).limit(RELAY_BATCH)
_DELETE = delete(tables.outbox).where(tables.outbox.c.id.in_(bindparam("p_ids", expanding=True)))
# PostgreSQL: rows this relay may send, locked until its transaction deletes them (none another holds)
_OLDEST_CLAIMED = _OLDEST.with_for_update(skip_locked=True)
_CLAIM = (select(tables.outbox.c.id).where(tables.outbox.c.id.in_(bindparam("p_ids", expanding=True)))
          .order_by(tables.outbox.c.id).with_for_update(skip_locked=True))
_DEAD_LETTER = insert(tables.dead_letters)


class OutboxRelay:
    def __init__(self, engine, publisher: ConfirmingPublisher, writing: Callable, log):
        self.engine = engine
        self.publisher = publisher
        self.writing = writing          # the service's writer lock (SQLite), or a no-op
        self.log = log
        self._claims = engine.dialect.name == "postgresql"   # replicas share the outbox (module docstring)
        self._ready: deque[tuple[int, Outgoing]] = deque()   # (outbox row id, message), in commit order
        self._sent: list[int] = []      # confirmed, not yet deleted
        self._sent_since = 0.0
        self._draining = True           # until the first drain: what a crash left goes first
        self._next_scan = 0.0
        self._wakeups = LightQueue(maxsize=1)
        self._stopped = Event()

    # --- called by transactions ----------------------------------------------------------------
    def hand_over(self, rows: list[tuple[int, Outgoing]]) -> None:
        """Events a transaction has just committed (call it in commit order)."""
        if not self._draining:
            self._ready.extend(rows)
        self.wake()

    def wake(self) -> None:
        try:
            self._wakeups.put_nowait(True)
        except eventlet.queue.Full:
            pass  # a wake-up is already pending

    # --- the relay's own thread -------------------------------------------------------------------
    def run(self, running: Callable[[], bool]) -> None:
        """Until `running()` is false (then `stop()` wakes it): one last step publishes what the
        transactions finished before the stop handed over, whatever failed before."""
        backoff = 0.2
        while True:
            try:
                self.step()
                backoff = 0.2
            except Exception as error:  # noqa: BLE001 - the relay must outlive broker and database outages
                self._draining = True   # the events not confirmed are in the table: it goes first
                self._ready.clear()
                if not running():
                    # what was not published stays in the outbox for the next start
                    self.log.warning("outbox_relay_stopped_unpublished", error=str(error))
                    return
                self.log.warning("outbox_relay_failed", error=str(error), retry_in_s=backoff)
                self._stopped.wait(backoff)   # a stop ends the pause at once
                backoff = min(backoff * 2, 5.0)
                continue
            if not running():
                return
            self._wait()

    def stop(self) -> None:
        """Wake the relay for its last step, also out of a pause after a failure."""
        if not self._stopped.ready():
            self._stopped.send(True)
        self.wake()

    def step(self) -> None:
        if self._draining or time.monotonic() >= self._next_scan:
            self.drain()
        while self._ready:
            self._publish([self._ready.popleft() for _ in range(min(RELAY_BATCH, len(self._ready)))])
            eventlet.sleep(0)   # let workers run between batches
        if self._sent and (len(self._sent) >= RELAY_BATCH
                           or time.monotonic() - self._sent_since >= DELETE_DELAY_S):
            self._delete_sent()

    def drain(self) -> int:
        """Publish and delete everything in the outbox that this relay has not sent; how many rows
        left the outbox."""
        self._delete_sent()
        # hand-overs are kept from here on: each read below sees their rows too and leaves them to
        # `step`, after the older rows it publishes itself; so nothing committed while this runs
        # waits for the next scan, and order holds
        self._draining = False
        left = 0
        while True:
            if self._claims:
                with self.engine.begin() as connection:
                    unsent = self._not_waiting(connection.execute(_OLDEST_CLAIMED).all())
                    self._publish_claimed(connection, unsent)
            else:
                with self.engine.connect() as connection:
                    unsent = self._not_waiting(connection.execute(_OLDEST).all())
                if unsent:
                    self._publish(unsent)
                    self._delete_sent()
            if not unsent:
                break
            left += len(unsent)
            eventlet.sleep(0)
        self._next_scan = time.monotonic() + SCAN_INTERVAL_S
        return left

    def finish(self) -> None:
        """On stop: delete what was sent (what was not stays for the next start)."""
        self._delete_sent()

    def _wait(self) -> None:
        timeout = IDLE_WAIT_S
        if self._sent:
            timeout = max(0.0, min(timeout, self._sent_since + DELETE_DELAY_S - time.monotonic()))
        try:
            self._wakeups.get(timeout=timeout)
            # workers about to commit go first, so one publish (one confirm round trip) carries
            # their events together
            eventlet.sleep(0)
        except Empty:
            pass

    def _not_waiting(self, rows) -> list[tuple[int, Outgoing]]:
        """The outbox rows read, but those handed over to this relay (`step` sends them, in their turn)."""
        waiting = {row_id for row_id, _ in self._ready}
        return [(row.id, Outgoing(row.exchange, row.routing_key, row.body, row.event_id, row.correlation_id))
                for row in rows if row.id not in waiting]

    def _publish(self, rows: list[tuple[int, Outgoing]]) -> None:
        if self._claims:
            with self.engine.begin() as connection:
                claimed = set(connection.execute(_CLAIM, {"p_ids": [row_id for row_id, _ in rows]}).scalars())
                self._publish_claimed(connection, [row for row in rows if row[0] in claimed])
            return
        self._send(rows)
        if not self._sent:
            self._sent_since = time.monotonic()
        self._sent.extend(row_id for row_id, _ in rows)

    def _publish_claimed(self, connection, rows: list[tuple[int, Outgoing]]) -> None:
        """PostgreSQL: publish rows this transaction holds, and delete them in it (at its commit)."""
        if rows:
            self._send(rows, connection)
            connection.execute(_DELETE, {"p_ids": [row_id for row_id, _ in rows]})

    def _send(self, rows: list[tuple[int, Outgoing]], connection=None) -> None:
        """Publish; an event no queue takes becomes a dead letter (in `connection`'s transaction if given)."""
        by_id = {message.message_id: row_id for row_id, message in rows}
        unroutable = self.publisher.publish([message for _, message in rows])  # raises PublishFailed
        if unroutable:
            with nullcontext(connection) if connection is not None else self._writing_connection() as connection:
                for lost in unroutable:
                    connection.execute(_DEAD_LETTER, {
                        "queue": "(unroutable)", "exchange": lost.message.exchange,
                        "routing_key": lost.message.routing_key, "event_id": lost.message.message_id,
                        "correlation_id": lost.message.correlation_id, "body": lost.message.body,
                        "headers": {}, "error": lost.reason, "traceback": "", "failed_at": clock.now(),
                        "replay_count": 0,
                    })
                    self.log.error("event_unroutable", event_id=lost.message.message_id, reason=lost.reason,
                                   outbox_id=by_id.get(lost.message.message_id))

    @contextmanager
    def _writing_connection(self):
        with self.writing(), self.engine.begin() as connection:
            yield connection

    def _delete_sent(self) -> None:
        while self._sent:
            chunk = self._sent[:RELAY_BATCH]
            with self.writing(), self.engine.begin() as connection:
                connection.execute(_DELETE, {"p_ids": chunk})
            del self._sent[:len(chunk)]
