"""The entrypoint every service consumes the bus with: `@handles("<queue>")`, in batches.

Differences from Nameko's own consumers, each deliberate:
- the queue and its bindings come from `shared.topology` (declared at deploy time);
- the handler gets a `Delivery` with the raw body, routing key and headers, and also gets
  messages whose body could not be decoded (Nameko would crash its consumer on them);
- a handler that raises does not lose the message, nor reorder the queue: what happens depends
  on the error (`shared.failures`, and `QueueHandler` below). A dependency away (database, broker,
  another service) pauses the queue and retries the same batch until it is back; only a failure
  the message itself causes makes it a dead letter (the service's `dead_letters` table, with the
  error and traceback), and then only that message. See docs/reliability.md.
"""
from __future__ import annotations

import json
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Any

import amqp.exceptions
import kombu.exceptions
from eventlet.event import Event
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from shared import metrics, stop_deadline
from shared.failures import Failure, classify, pause_before_retry
from shared.logs import get_logger
from shared.moving import ROUTING_KEY_HEADER
from shared.queue_consumer import StoppableQueueConsumer
from shared.storable_text import escaped, escaped_tree
from shared.topology import ROUTES

MAX_CONFLICT_RETRIES = 3    # a constraint still violated after these is the message's own doing
# A message the broker says went back to its queue unsettled this often (quorum queues count it in
# `x-delivery-count`: a stop, a crash, a lost connection while it was held) is handled in a batch of
# its own: if it is what kills the process, the messages before it are settled first, and the log's
# `suspect_message_alone` names it. The broker parks it after topology.DELIVERY_LIMIT returns.
SUSPECT_AFTER_RETURNS = 2
PREFETCH = 400
SETTLEMENT_ERRORS = (OSError, kombu.exceptions.KombuError, amqp.exceptions.AMQPError)


@dataclass(frozen=True)
class Delivery:
    queue: str
    exchange: str
    routing_key: str
    body: Any                      # the decoded JSON, or None when it could not be decoded
    raw: str                       # the body as text, kept for quarantine and dead letters
    headers: dict
    redelivered: bool
    decode_error: str | None = None
    returns: int = 0               # times it went back to the queue unsettled (x-delivery-count)

    @property
    def event_id(self) -> str | None:
        """As sent, but storable: it goes into the inbox, dead letters and correlation ids (a NUL
        in it must not fail those writes; validation refuses such a message)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("event_id"), str):
            return escaped(self.body["event_id"])
        return None


def _text(message) -> str:
    body = message.body
    if isinstance(body, bytes):
        return escaped(body.decode("utf-8", errors="replace"))
    return escaped(body if isinstance(body, str) else json.dumps(body, ensure_ascii=False))


def _returns(headers: dict | None) -> int:
    count = (headers or {}).get("x-delivery-count")
    return count if isinstance(count, int) else 0


def _json_safe(headers: dict | None) -> dict:
    return escaped_tree(json.loads(json.dumps(headers or {}, default=str)))


class GuardedQueueConsumer(StoppableQueueConsumer):
    """Nameko's queue consumer, but an undecodable body reaches the handler instead of crashing,
    and enough messages are prefetched to form batches (Nameko would take max_workers).

    Each queue is consumed one message at a time after every (re)connection, and with the full
    prefetch from its first message that is not suspect (`SUSPECT_AFTER_RETURNS`) on. Every message
    a consumer holds goes back to its queue when the process dies, and a quorum queue counts that
    against the message's delivery limit: were the full prefetch taken at once, the messages behind
    one that kills the process at each start would be counted with it, and parked with it. Taken one
    by one while the head of the queue is suspect, only the message being handled goes back.

    Except an ordered queue (`Route.ordered`, a single active consumer): widening cancels the consumer
    and consumes again, and on such a queue the cancel hands the active role to a standby replica
    while this one still handles a message, so two replicas would hold one enterprise's consecutive
    messages at once. An ordered queue is consumed with the full prefetch from the start: its order
    across replicas comes first, and a message that kills the process there parks the ones held
    with it (they are replayed by `huiqi parked`, not lost)."""

    def setup(self):
        super().setup()
        self._widen: set = set()        # providers whose consumer is to get the full prefetch
        self._wide: set = set()         # providers whose consumer has it, on this connection

    @property
    def prefetch_count(self):
        return 1    # every (re)connection starts narrow; `widen` gives each queue its full prefetch

    @property
    def full_prefetch(self) -> int:
        return self.container.config.get("PREFETCH_COUNT", PREFETCH)

    def widen(self, provider) -> None:
        """Called by the provider once its queue's head is not suspect (from its own thread: the
        consumer's connection thread does it, in `on_iteration`, as Nameko cancels consumers)."""
        if provider not in self._wide:
            self._widen.add(provider)

    def on_iteration(self):
        super().on_iteration()
        widen, self._widen = self._widen, set()
        for provider in widen:
            consumer = self._consumers.get(provider)
            if consumer is not None and provider not in self._wide and not self.should_stop:
                self._wide.add(provider)
                # a cancelled consumer's unacknowledged messages stay with the channel, to be settled
                # as usual; the new consumer goes on from the next message, in order
                consumer.cancel()
                consumer.consume()      # with the full prefetch now (`_consume_with_own_prefetch`)

    def waiting_for(self) -> str | None:
        """For `shared.readiness`: None while the broker has every queue's consumer; not ready again
        while a lost connection is being re-established (a queue nobody consumes is not ready)."""
        return None if self._consumers_ready.ready() and self.connected else "bus consumers"

    def get_consumers(self, consumer_cls, channel):
        self._widen = set()
        self._wide = {provider for provider in self._providers if _ordered(provider)}
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._handle_undecodable, provider)
            consumer.consume = partial(self._consume_with_own_prefetch, provider, consumer, consumer.consume)
        return consumers

    def _consume_with_own_prefetch(self, provider, consumer, consume, *args, **kwargs):
        """`basic.qos` applies to the consumers a channel starts after it, and every queue of a service
        shares one channel: each consumer's own prefetch is set just before its own `basic.consume`."""
        consumer.qos(prefetch_count=self.full_prefetch if provider in self._wide else 1)
        return consume(*args, **kwargs)

    # Nameko only forgives amqp's ConnectionError here; a socket that dies under an ack raises
    # OSError (reset, broken pipe), which would kill the container. The broker redelivers an
    # unacked message when the connection comes back, and the inbox makes that harmless.
    def ack_message(self, message):
        try:
            super().ack_message(message)
        except SETTLEMENT_ERRORS as error:
            self._log_lost_settlement("ack", error)

    def requeue_message(self, message):
        try:
            super().requeue_message(message)
        except SETTLEMENT_ERRORS as error:
            self._log_lost_settlement("requeue", error)

    def _log_lost_settlement(self, what: str, error: Exception) -> None:
        get_logger(f"huiqi.{self.container.service_name}.consumer").warning(
            "broker_connection_lost", settling=what, error=repr(error),
            consequence="the broker redelivers the message; the inbox ignores a second copy")

    def _handle_undecodable(self, provider, message, error):
        self.container.spawn_managed_thread(
            partial(provider.handle_delivery, message, None, f"{type(error).__name__}: {error}"))


class QueueHandler(Consumer):
    """Consumes one queue; the handler gets a list of deliveries, handled in one transaction.

    Batches form by themselves: while a batch is being handled, what arrives waits in a buffer
    and becomes the next batch. One message alone goes straight through (no waiting for company),
    a busy queue is handled hundreds at a time, which is what makes per-message costs (commit,
    outbox, publish confirm) small.

    One batch at a time, and a failed batch is never requeued nor split into messages racing each
    other: the messages of a queue are handled in the order they arrived, whatever fails (a
    source's `sequence 17` applied before its `sequence 16` would make 16 stale for good). What
    happens to a failed batch depends on the error (`shared.failures.classify`):

    - infrastructure (the database, the broker or a service unreachable, a deadlock): the same
      batch is tried again, in place, after a pause that doubles each time (capped, with jitter),
      for as long as it takes; each pause is logged. Meanwhile nothing new is taken: the broker
      stops delivering once the prefetched messages wait unacknowledged. Never a dead letter.
    - a constraint violated (usually two workers racing): tried again in place a few times, then
      treated as the message's own failure.
    - the message's own failure (validation, a value the database refuses, a bug): the batch is
      halved and the halves handled in order, down to the one message that fails; that message
      becomes a dead letter (table `dead_letters`, with the error and traceback), the others are
      handled as usual, still in order.

    On stop, the batch waiting for its next try and everything buffered are requeued unhandled.
    """

    queue_consumer = GuardedQueueConsumer()

    def __init__(self, queue_name: str, max_batch: int = 200, max_batch_bytes: int = 1_000_000, **kwargs):
        self.route = ROUTES[queue_name]
        self.max_batch = max_batch
        self.max_batch_bytes = max_batch_bytes
        super().__init__(self.route.kombu_queue(), requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        self._buffer: deque = deque()       # (message, delivery) received, not yet in a batch
        self._ahead: deque[_Batch] = deque()  # parts of a split batch: they go before the buffer
        self._busy = False                  # a batch is being handled or waits for its next try
        self._held = 0                      # messages in that batch
        self._stopping = False
        self._stopped = Event()             # wakes a batch waiting out a pause
        from shared.store import Store  # the store is the service's own database
        stores = [dep for dep in self.container.dependencies if isinstance(dep, Store)]
        if not stores:
            raise RuntimeError(f"{self.container.service_name} consumes {self.route.queue} "
                               "but has no Store to keep dead letters in")
        self.store = stores[0]
        self.log = get_logger(f"huiqi.{self.container.service_name}.consumer",
                              service=self.container.service_name, queue=self.route.queue)
        self.metrics = metrics.of(self.container)

    def stop(self):
        stop_deadline.arm(self.container)
        self._stopping = True
        if not self._stopped.ready():
            self._stopped.send(True)
        if not self._busy:
            self._give_back_held()
        super().stop()

    def backlog(self) -> int:
        """For `shared.readiness`: messages received and not yet settled (waiting or being handled)."""
        return len(self._buffer) + sum(len(batch.items) for batch in self._ahead) + self._held

    def handle_message(self, body, message):
        self.handle_delivery(message, body, None)

    def handle_delivery(self, message, body, decode_error):
        delivery = Delivery(
            queue=self.route.queue,
            exchange=message.delivery_info.get("exchange", ""),
            # a message moved between queues (a migration, a parked message replayed) came through the
            # default exchange, under the queue's name: its own routing key travels in a header
            routing_key=(message.headers or {}).get(ROUTING_KEY_HEADER) or message.delivery_info.get("routing_key", ""),
            body=body, raw=_text(message), headers=_json_safe(message.headers),
            redelivered=bool(message.delivery_info.get("redelivered")), decode_error=decode_error,
            returns=_returns(message.headers),
        )
        if self._stopping:
            self.queue_consumer.requeue_message(message)
            return
        if delivery.returns < SUSPECT_AFTER_RETURNS:
            self.queue_consumer.widen(self)
        self._buffer.append((message, delivery))
        self._dispatch()

    def _dispatch(self) -> None:
        if self._busy or self._stopping:
            return
        if self._ahead:
            batch = self._ahead.popleft()
        elif self._buffer:
            batch = _Batch(self._take_from_buffer())
        else:
            return
        self._busy = True
        self._held = len(batch.items)
        self._spawn(batch)

    def _take_from_buffer(self) -> list:
        items, size = [], 0
        while self._buffer and len(items) < self.max_batch:
            delivery = self._buffer[0][1]
            suspect = delivery.returns >= SUSPECT_AFTER_RETURNS
            weight = len(delivery.raw)
            if items and (suspect or size + weight > self.max_batch_bytes):
                break
            items.append(self._buffer.popleft())
            size += weight
            if suspect:
                self.log.warning("suspect_message_alone", event_id=delivery.event_id, returns=delivery.returns,
                                 routing_key=delivery.routing_key,
                                 reason="it went back to the queue unsettled this often; if the process "
                                        "dies now, this message is the likely cause")
                break
        return items

    def _spawn(self, batch: _Batch) -> None:
        first_message, first = batch.items[0]
        context_data = self.unpack_message_headers(first_message)
        context_data.setdefault(
            "correlation_id", first.event_id or first_message.properties.get("message_id") or str(uuid.uuid4()))
        batch.started = time.monotonic()
        try:
            self.container.spawn_worker(self, ([delivery for _, delivery in batch.items],), {},
                                        context_data=context_data, handle_result=partial(self._settle, batch))
        except ContainerBeingKilled:
            self._give_back(batch)
            self._stopping = True
            self._finished()

    def _settle(self, batch: _Batch, worker_ctx, result, exc_info):
        self.metrics.handler_took(self.route.queue, time.monotonic() - batch.started)
        if exc_info is None:
            for message, _ in batch.items:
                self.queue_consumer.ack_message(message)
            self.metrics.handled(self.route.queue, len(batch.items))
            if batch.attempts:
                self.log.info("consumer_resumed", size=len(batch.items), after_attempts=batch.attempts)
            self._finished()
        else:
            try:
                self._after_failure(batch, worker_ctx, exc_info)
            except Exception:  # noqa: BLE001 - settling must never leave the queue stuck
                self.log.exception("batch_settlement_failed", size=len(batch.items))
                self._give_back(batch)
                self._finished()
        return result, exc_info

    def _after_failure(self, batch: _Batch, worker_ctx, exc_info) -> None:
        error = exc_info[1]
        if self._stopping:
            self._give_back(batch)
            self._finished()
            return
        kind = classify(error)
        if kind is Failure.INFRASTRUCTURE or (kind is Failure.CONFLICT and batch.conflicts < MAX_CONFLICT_RETRIES):
            self._try_again_later(batch, kind, error)
        elif len(batch.items) > 1:
            middle = len(batch.items) // 2
            self.log.warning("batch_failed_isolating_the_message", size=len(batch.items), error=repr(error))
            self._ahead.extendleft([_Batch(batch.items[middle:]), _Batch(batch.items[:middle])])
            self._finished()
        else:
            self._dead_letter(batch, worker_ctx, exc_info)

    def _try_again_later(self, batch: _Batch, kind: Failure, error: BaseException) -> None:
        batch.attempts += 1
        batch.conflicts += kind is Failure.CONFLICT
        self.metrics.retried(self.route.queue, kind.value)
        delay = pause_before_retry(kind, batch.conflicts if kind is Failure.CONFLICT else batch.attempts,
                                   random.random())
        event_ids = [delivery.event_id for _, delivery in batch.items[:5]]
        if kind is Failure.INFRASTRUCTURE:
            self.log.warning("consumer_paused", reason="a dependency is unavailable", error=repr(error),
                             attempt=batch.attempts, retry_in_s=round(delay, 2), size=len(batch.items),
                             event_ids=event_ids)
        else:
            self.log.warning("batch_retried", reason="conflict with a concurrent transaction", error=repr(error),
                             attempt=batch.attempts, retry_in_s=round(delay, 2), size=len(batch.items))
        self.container.spawn_managed_thread(partial(self._retry_after, batch, delay),
                                            identifier=f"{self.route.queue}-retry")

    def _retry_after(self, batch: _Batch, delay: float) -> None:
        self._stopped.wait(delay)
        if self._stopping:
            self._give_back(batch)
            self._finished()
            return
        self._spawn(batch)

    def _dead_letter(self, batch: _Batch, worker_ctx, exc_info) -> None:
        [(message, delivery)] = batch.items
        correlation_id = worker_ctx.context_data.get("correlation_id")
        try:
            self.store.record_dead_letter(
                queue=delivery.queue, exchange=delivery.exchange, routing_key=delivery.routing_key,
                event_id=delivery.event_id, correlation_id=correlation_id,
                body=delivery.raw, headers=delivery.headers, exc_info=exc_info)
        except Exception as error:  # noqa: BLE001 - the message stays, and is tried again
            # the database is away again: the handler gets another go once it is back
            self._try_again_later(batch, Failure.INFRASTRUCTURE, error)
            return
        self.log.error("message_dead_lettered", event_id=delivery.event_id, routing_key=delivery.routing_key,
                       error=repr(exc_info[1]), correlation_id=correlation_id)
        self.queue_consumer.ack_message(message)
        self.metrics.dead_lettered(self.route.queue)
        self._finished()

    def _finished(self) -> None:
        self._busy = False
        self._held = 0
        if self._stopping:
            self._give_back_held()
        else:
            self._dispatch()

    def _give_back(self, batch: _Batch) -> None:
        for message, _ in batch.items:
            self.queue_consumer.requeue_message(message)

    def _give_back_held(self) -> None:
        """On stop: what was received and not handled goes back to the broker, unhandled."""
        while self._ahead:
            self._give_back(self._ahead.popleft())
        while self._buffer:
            message, _ = self._buffer.popleft()
            self.queue_consumer.requeue_message(message)


@dataclass
class _Batch:
    items: list                     # (message, Delivery), in arrival order
    attempts: int = 0               # failed tries of this very batch, retried in place
    conflicts: int = 0              # of those, the ones that broke a constraint (an outage's tries are not)
    started: float = 0.0            # monotonic time of its latest try


handles = QueueHandler.decorator


def _ordered(provider) -> bool:
    route = getattr(provider, "route", None)
    return route is not None and route.ordered
