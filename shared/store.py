"""The service's database as a Nameko dependency: transactions with an outbox and an inbox.

    with self.store.transaction() as tx:
        if not tx.first_delivery(event.event_id):
            return                       # handled before: no second effect
        ...change state through tx.session...
        tx.emit(SomethingHappened(...))  # committed with the state, published after commit

The relay (a thread of this provider) publishes committed events with confirms, in batches,
and deletes them once the broker has them. A crash between publish and delete re-sends them;
consumers' inboxes make that harmless.
"""
from __future__ import annotations

import traceback as traceback_module
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

import eventlet
from eventlet.queue import Empty, LightQueue
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from sqlalchemy import MetaData, delete, insert, inspect, select
from sqlalchemy.orm import Session

from shared import clock
from shared import messaging_tables as tables
from shared.config import settings
from shared.contracts.events import PlatformEvent
from shared.database import engine_for, insert_ignoring_duplicates
from shared.logs import correlation_id_of, get_logger
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import PLATFORM_EVENTS

RELAY_BATCH = 500


def utcnow() -> datetime:
    return clock.now()


_INSERT_OUTBOX = insert(tables.outbox)


@dataclass
class Transaction:
    session: Session
    correlation_id: str | None
    consumer: str
    emitted: int = 0
    _dialect: str = field(default="", repr=False)

    def first_delivery(self, event_id: str) -> bool:
        """Claim `event_id` for this consumer; False if it was handled before (then do nothing)."""
        # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING
        claimed = self.session.execute(
            insert_ignoring_duplicates(self._dialect, tables.inbox).returning(tables.inbox.c.event_id),
            {"consumer": self.consumer, "event_id": event_id, "handled_at": utcnow()},
        ).first()
        return claimed is not None

    def emit(self, event: PlatformEvent) -> None:
        """Record `event` in the outbox; it is published only if this transaction commits."""
        self.emit_all([event])

    def emit_all(self, events: list[PlatformEvent]) -> None:
        """Record `events`, in order, in one statement."""
        if not events:
            return
        at = utcnow()
        self.session.execute(_INSERT_OUTBOX, [{
            "event_id": event.event_id, "exchange": PLATFORM_EVENTS.name,
            "routing_key": event.routing_key, "body": event.model_dump_json(),
            "correlation_id": self.correlation_id, "created_at": at,
        } for event in events])
        self.emitted += len(events)


class StoreAccess:
    """What one worker gets: transactions and read sessions on the service's own database."""

    def __init__(self, provider: Store, correlation_id: str | None, consumer: str):
        self._provider = provider
        self.correlation_id = correlation_id
        self.consumer = consumer
        self.engine = provider.engine

    @contextmanager
    def transaction(self):
        with self._provider.writing(), Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                tx = Transaction(session, self.correlation_id, self.consumer,
                                 _dialect=self.engine.dialect.name)
                yield tx
        if tx.emitted:
            self._provider.wake_relay()

    @contextmanager
    def reading(self):
        with Session(self.engine) as session:
            yield session


class Store(DependencyProvider):
    def __init__(self, metadata: MetaData | None = None):
        self.metadata = metadata

    def setup(self):
        self.service_name = self.container.service_name
        self.url = settings().database_url_for(self.service_name)
        self.engine = engine_for(self.url, pool_size=self.container.max_workers + 2)
        create_schema(self.engine, self.metadata)
        self.publisher = ConfirmingPublisher(self.container.config["AMQP_URI"])
        self.log = get_logger(f"huiqi.{self.service_name}.outbox", service=self.service_name)
        # SQLite has one writer at a time, and its busy wait blocks the whole process without
        # yielding to other green threads; so writers queue here instead, which also lets long
        # transactions yield (eventlet.sleep) safely. PostgreSQL needs no such lock.
        self._write_lock = Semaphore(1) if self.engine.dialect.name == "sqlite" else None
        self._wakeups = LightQueue(maxsize=1)
        self._running = False
        self._relay_thread = None

    def start(self):
        self._running = True
        self._relay_thread = self.container.spawn_managed_thread(self._relay, identifier="outbox-relay")

    def stop(self):
        self._running = False
        self.wake_relay()
        if self._relay_thread is not None:
            self._relay_thread.wait()
        self.publisher.close()
        self.engine.dispose()

    def kill(self):
        self._running = False
        if self._relay_thread is not None:
            self._relay_thread.kill()
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        consumer = f"{self.service_name}.{entrypoint.method_name}"
        return StoreAccess(self, correlation_id_of(worker_ctx), consumer)

    def writing(self):
        return self._write_lock if self._write_lock is not None else nullcontext()

    def wake_relay(self) -> None:
        try:
            self._wakeups.put_nowait(True)
        except eventlet.queue.Full:
            pass  # a wake-up is already pending

    def _relay(self) -> None:
        backoff = 0.2
        while True:
            try:
                while self.flush_outbox() == RELAY_BATCH:
                    eventlet.sleep(0)  # let workers run between full batches
                backoff = 0.2
            except Exception as error:  # noqa: BLE001 - the relay must outlive broker and database outages
                self.log.warning("outbox_relay_failed", error=str(error), retry_in_s=backoff)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not self._running:
                return
            try:
                self._wakeups.get(timeout=1.0)
                # workers about to commit go first, so one flush (one confirm round trip, one
                # delete) carries their events together
                eventlet.sleep(0)
            except Empty:
                pass

    def flush_outbox(self) -> int:
        """Publish up to one batch of committed events; returns how many left the outbox."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(tables.outbox).order_by(tables.outbox.c.id).limit(RELAY_BATCH)).all()
        if not rows:
            return 0
        messages = [Outgoing(row.exchange, row.routing_key, row.body, row.event_id, row.correlation_id)
                    for row in rows]
        unroutable = self.publisher.publish(messages)  # raises PublishFailed: the rows stay for the retry
        with self.writing(), self.engine.begin() as connection:
            for lost in unroutable:
                connection.execute(insert(tables.dead_letters), {
                    "queue": "(unroutable)", "exchange": lost.message.exchange,
                    "routing_key": lost.message.routing_key, "event_id": lost.message.message_id,
                    "correlation_id": lost.message.correlation_id, "body": lost.message.body,
                    "headers": {}, "error": lost.reason, "traceback": "", "failed_at": utcnow(),
                    "replay_count": 0,
                })
                self.log.error("event_unroutable", event_id=lost.message.message_id, reason=lost.reason)
            connection.execute(delete(tables.outbox).where(tables.outbox.c.id.in_([row.id for row in rows])))
        return len(rows)

    def record_dead_letter(self, *, queue, exchange, routing_key, event_id, correlation_id, body: str,
                           headers: dict, exc_info) -> None:
        error = "".join(traceback_module.format_exception_only(exc_info[0], exc_info[1])).strip()
        with self.writing(), self.engine.begin() as connection:
            connection.execute(insert(tables.dead_letters), {
                "queue": queue, "exchange": exchange, "routing_key": routing_key, "event_id": event_id,
                "correlation_id": correlation_id, "body": body, "headers": headers, "error": error,
                "traceback": "".join(traceback_module.format_exception(*exc_info)),
                "failed_at": utcnow(), "replay_count": 0,
            })


def create_schema(engine, metadata: MetaData | None) -> None:
    """Create missing tables, and add columns that a newer release added as nullable, so a
    database from an earlier run keeps working (anything beyond that needs a real migration)."""
    for schema in (tables.metadata, metadata):
        if schema is None:
            continue
        schema.create_all(engine)
        existing = inspect(engine)
        with engine.begin() as connection:
            for table in schema.sorted_tables:
                present = {column["name"] for column in existing.get_columns(table.name)}
                for column in table.columns:
                    if column.name in present:
                        continue
                    if not column.nullable:
                        raise RuntimeError(f"{table.name}.{column.name} is new and NOT NULL: write a migration")
                    kind = column.type.compile(dialect=engine.dialect)
                    preparer = engine.dialect.identifier_preparer
                    # names come from our own metadata, never from input
                    connection.exec_driver_sql(f"ALTER TABLE {preparer.quote(table.name)} "
                                               f"ADD COLUMN {preparer.quote(column.name)} {kind}")
