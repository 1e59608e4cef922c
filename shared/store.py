"""The service's database as a Nameko dependency: transactions with an outbox and an inbox.

    with self.store.transaction() as tx:
        if not tx.first_delivery(event.event_id):
            return                       # handled before: no second effect
        ...change state through tx.session...
        tx.emit(SomethingHappened(...))  # committed with the state, published after commit

The relay (`shared.relay`, a thread of this provider) publishes committed events with confirms,
in batches, and deletes them once the broker has them. A crash between publish and delete
re-sends them; consumers' inboxes make that harmless. Another thread (`shared.inbox_pruning`)
deletes inbox rows past their retention, and on PostgreSQL a third (`shared.table_statistics`)
keeps the planner's statistics of tables a bulk sync fills fresh.
"""
from __future__ import annotations

import traceback as traceback_module
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from nameko.extensions import DependencyProvider
from sqlalchemy import insert
from sqlalchemy.orm import Session

from shared import clock, collector, metrics, migrations
from shared import messaging_tables as tables
from shared.config import settings
from shared.contracts.events import PlatformEvent
from shared.database import engine_for, insert_ignoring_duplicates
from shared.inbox_pruning import InboxPruner
from shared.logs import correlation_id_of, get_logger
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.relay import OutboxRelay
from shared.storable_text import escaped
from shared.table_statistics import StatisticsKeeper
from shared.topology import lane_key
from shared.turns import LiveFirstLock

T = TypeVar("T")


def utcnow() -> datetime:
    return clock.now()


# ids in the order of the events: the relay deletes by them once the broker has the events
_INSERT_OUTBOX = insert(tables.outbox).returning(tables.outbox.c.id, sort_by_parameter_order=True)


@dataclass
class Transaction:
    session: Session
    correlation_id: str | None
    consumer: str
    _dialect: str = field(default="", repr=False)
    bulk: bool = False   # bulk work: its events go in the bulk lane (shared.topology.lane_key)
    outgoing: list[tuple[int, Outgoing]] = field(default_factory=list, repr=False)

    def first_delivery(self, event_id: str) -> bool:
        """Claim `event_id` for this consumer; False if it was handled before (then do nothing)."""
        # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING
        claimed = self.session.execute(
            insert_ignoring_duplicates(self._dialect, tables.inbox).returning(tables.inbox.c.event_id),
            {"consumer": self.consumer, "event_id": event_id, "handled_at": utcnow()},
        ).first()
        return claimed is not None

    def first_deliveries(self, items: list[tuple[T, str]]) -> list[T]:
        """`first_delivery` for a batch, in one statement: of `(message, event_id)` pairs in arrival
        order, the messages whose id this consumer claims now (an id twice in the batch: the first)."""
        ids = list(dict.fromkeys(event_id for _, event_id in items))
        if not ids:
            return []
        at = utcnow()
        claimed = set(self.session.execute(
            insert_ignoring_duplicates(self._dialect, tables.inbox).returning(tables.inbox.c.event_id),
            [{"consumer": self.consumer, "event_id": event_id, "handled_at": at} for event_id in ids],
        ).scalars())
        fresh = []
        for message, event_id in items:
            if event_id in claimed:
                claimed.discard(event_id)
                fresh.append(message)
        return fresh

    def emit(self, event: PlatformEvent) -> None:
        """Record `event` in the outbox; it is published only if this transaction commits. Emit
        outside any savepoint that may roll back: the relay is handed every event emitted."""
        self.emit_all([event])

    def emit_all(self, events: list[PlatformEvent]) -> None:
        """Record `events`, in order, in one statement."""
        if not events:
            return
        at = utcnow()
        rows = [{"event_id": event.event_id, "exchange": event.exchange,
                 "routing_key": lane_key(event.exchange, event.published_key(), self.bulk),
                 "body": event.model_dump_json(), "correlation_id": self.correlation_id, "created_at": at}
                for event in events]
        ids = self.session.execute(_INSERT_OUTBOX, rows).scalars().all()
        self.outgoing.extend((row_id, Outgoing(row["exchange"], row["routing_key"], row["body"], row["event_id"],
                                               row["correlation_id"])) for row_id, row in zip(ids, rows, strict=True))


class StoreAccess:
    """What one worker gets: transactions and read sessions on the service's own database."""

    def __init__(self, provider: Store, correlation_id: str | None, consumer: str):
        self._provider = provider
        self.correlation_id = correlation_id
        self.consumer = consumer
        self.engine = provider.engine

    @contextmanager
    def transaction(self, core: bool = False, bulk: bool = False):
        """`core=True`: `tx.session` is a plain Connection, for work made only of Core statements
        (no ORM session around each of them). `bulk=True`: the events it emits are bulk work, and
        go in the bulk lane where there is one (so live changes overtake them)."""
        # the connection is taken once the writer lock is held, not while waiting for it
        with self._provider.writing(bulk), (self.engine.connect() if core else
                                         Session(self.engine, expire_on_commit=False)) as session:
            with session.begin():
                tx = Transaction(session, self.correlation_id, self.consumer,
                                 _dialect=self.engine.dialect.name, bulk=bulk)
                yield tx
            if tx.outgoing:   # committed; still under SQLite's writer lock, so in commit order
                self._provider.relay.hand_over(tx.outgoing)

    @contextmanager
    def reading(self):
        with Session(self.engine) as session:
            yield session

    @contextmanager
    def reading_core(self):
        """A plain connection for reads made only of Core statements: no ORM session around them."""
        with self.engine.connect() as connection:
            yield connection


class Store(DependencyProvider):
    """The service's own database. Its schema is `huiqi migrate`'s work (shared/migrations.py): the
    service only checks, at start, that the database is at the head of its history, and refuses to
    start otherwise (two replicas starting together must not both change a schema)."""

    def setup(self):
        self.service_name = self.container.service_name
        self.url = settings().database_url_for(self.service_name)
        self.engine = engine_for(self.url, pool_size=self.container.max_workers + 2)
        self.log = get_logger(f"huiqi.{self.service_name}.outbox", service=self.service_name)
        self._check_schema()
        self.publisher = ConfirmingPublisher(self.container.config["AMQP_URI"])
        # SQLite has one writer at a time, and its busy wait blocks the whole process without
        # yielding to other green threads; so writers queue here instead, which also lets long
        # transactions yield (eventlet.sleep) safely. PostgreSQL needs no such lock.
        # Live work first (shared.turns): a live change waits for the bulk transaction in progress only.
        self._write_lock = LiveFirstLock() if self.engine.dialect.name == "sqlite" else None
        self.relay = OutboxRelay(self.engine, self.publisher, self.writing, self.log)
        self.pruner = InboxPruner(self.engine, self.writing,
                                  get_logger(f"huiqi.{self.service_name}.inbox", service=self.service_name),
                                  timedelta(days=settings().inbox_retention_days),
                                  metrics.of(self.container).pruned_inbox)
        self.statistics = (StatisticsKeeper(self.engine, get_logger(f"huiqi.{self.service_name}.statistics",
                                                                   service=self.service_name))
                           if self.engine.dialect.name == "postgresql" else None)
        self._running = False
        self._relay_thread = self._pruner_thread = self._statistics_thread = None

    def _check_schema(self) -> None:
        try:
            with self.engine.connect() as connection:
                migrations.check_current(self.service_name, connection)
        except migrations.SchemaNotCurrent as error:
            get_logger(f"huiqi.{self.service_name}.store", service=self.service_name).error(
                "schema_not_current", database_revision=error.found, head=error.head,
                action=f"run `huiqi migrate {self.service_name}`, then start the service")
            self.engine.dispose()
            raise

    def start(self):
        # the last of the service's start-up work: every service with a database does bulk work
        collector.tune()
        self._running = True
        self._relay_thread = self.container.spawn_managed_thread(
            lambda: self.relay.run(lambda: self._running), identifier="outbox-relay")
        self._pruner_thread = self.container.spawn_managed_thread(
            lambda: self.pruner.run(lambda: self._running), identifier="inbox-pruner")
        if self.statistics is not None:
            self._statistics_thread = self.container.spawn_managed_thread(
                lambda: self.statistics.run(lambda: self._running), identifier="table-statistics")

    def stop(self):
        self._running = False
        self.relay.stop()
        self.pruner.stop()
        if self.statistics is not None:
            self.statistics.stop()
        for thread in (self._relay_thread, self._pruner_thread, self._statistics_thread):
            if thread is not None:
                thread.wait()
        try:
            self.relay.finish()
        except Exception as error:  # noqa: BLE001 - what was sent and not deleted is sent again at start
            self.log.warning("outbox_cleanup_failed", error=str(error))
        self.publisher.close()
        self.engine.dispose()

    def kill(self):
        self._running = False
        for thread in (self._relay_thread, self._pruner_thread, self._statistics_thread):
            if thread is not None:
                thread.kill()
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        consumer = f"{self.service_name}.{entrypoint.method_name}"
        return StoreAccess(self, correlation_id_of(worker_ctx), consumer)

    def writing(self, bulk: bool = False):
        return self._write_lock.turn(bulk) if self._write_lock is not None else nullcontext()

    def flush_outbox(self) -> int:
        """Publish and delete whatever the outbox holds now; how many events left it."""
        return self.relay.drain()

    def record_dead_letter(self, *, queue, exchange, routing_key, event_id, correlation_id, body: str,
                           headers: dict, exc_info) -> None:
        # escaped: the error may quote the value that failed, NUL included
        error = escaped("".join(traceback_module.format_exception_only(exc_info[0], exc_info[1])).strip())
        with self.writing(), self.engine.begin() as connection:
            connection.execute(insert(tables.dead_letters), {
                "queue": queue, "exchange": exchange, "routing_key": routing_key, "event_id": event_id,
                "correlation_id": correlation_id, "body": body, "headers": headers, "error": error,
                "traceback": escaped("".join(traceback_module.format_exception(*exc_info))),
                "failed_at": utcnow(), "replay_count": 0,
            })
