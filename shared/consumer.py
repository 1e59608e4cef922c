"""The entrypoint every service consumes the bus with: `@handles("<queue>")`, in batches.

Differences from Nameko's own consumers, each deliberate:
- the queue and its bindings come from `shared.topology` (declared at deploy time);
- the handler gets a `Delivery` with the raw body, routing key and headers, and also gets
  messages whose body could not be decoded (Nameko would crash its consumer on them);
- a handler that raises does not lose the message: it is written to the service's dead-letter
  table with the error and traceback, then acked. If even that write fails the message is
  requeued after a pause, so it is never acked away unrecorded.
"""
from __future__ import annotations

import json
import random
import uuid
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Any

import amqp.exceptions
import eventlet
import kombu.exceptions
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer
from sqlalchemy.exc import IntegrityError, OperationalError

from shared.errors import Unavailable
from shared.logs import get_logger
from shared.topology import ROUTES

# Deadlocks, serialisation failures, unique-key races between concurrent workers, lost connections,
# a service asked over RPC that did not answer in time
TRANSIENT_ERRORS = (OperationalError, IntegrityError, Unavailable)
MAX_TRANSIENT_RETRIES = 5
MAX_BATCHES_IN_FLIGHT = 1  # per queue and process: batches stay in arrival order, and grow under load
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

    @property
    def event_id(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("event_id"), str):
            return self.body["event_id"]
        return None


def _text(message) -> str:
    body = message.body
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


def _json_safe(headers: dict | None) -> dict:
    return json.loads(json.dumps(headers or {}, default=str))


class GuardedQueueConsumer(QueueConsumer):
    """Nameko's queue consumer, but an undecodable body reaches the handler instead of crashing,
    and enough messages are prefetched to form batches (Nameko would take max_workers)."""

    @property
    def prefetch_count(self):
        return self.container.config.get("PREFETCH_COUNT", PREFETCH)

    def waiting_for(self) -> str | None:
        """For `shared.readiness`: None once the broker has confirmed every queue's consumer."""
        return None if self._consumers_ready.ready() else "bus consumers"

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._handle_undecodable, provider)
        return consumers

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
    outbox, publish confirm) small. If a batch fails, each of its messages is tried alone, so
    only the one that fails becomes a dead letter.
    """

    queue_consumer = GuardedQueueConsumer()

    def __init__(self, queue_name: str, max_batch: int = 200, max_batch_bytes: int = 1_000_000, **kwargs):
        self.route = ROUTES[queue_name]
        self.max_batch = max_batch
        self.max_batch_bytes = max_batch_bytes
        super().__init__(self.route.kombu_queue(), requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        self._transient_failures: dict = {}
        self._buffer: deque = deque()
        self._in_flight = 0
        self._held_in_flight = 0   # messages in the batches being handled
        from shared.store import Store  # the store is the service's own database
        stores = [dep for dep in self.container.dependencies if isinstance(dep, Store)]
        if not stores:
            raise RuntimeError(f"{self.container.service_name} consumes {self.route.queue} "
                               "but has no Store to keep dead letters in")
        self.store = stores[0]
        self.log = get_logger(f"huiqi.{self.container.service_name}.consumer",
                              service=self.container.service_name, queue=self.route.queue)

    def backlog(self) -> int:
        """For `shared.readiness`: messages received and not yet settled (waiting or being handled)."""
        return len(self._buffer) + self._held_in_flight

    def handle_message(self, body, message):
        self.handle_delivery(message, body, None)

    def handle_delivery(self, message, body, decode_error):
        delivery = Delivery(
            queue=self.route.queue,
            exchange=message.delivery_info.get("exchange", ""),
            routing_key=message.delivery_info.get("routing_key", ""),
            body=body, raw=_text(message), headers=_json_safe(message.headers),
            redelivered=bool(message.delivery_info.get("redelivered")), decode_error=decode_error,
        )
        self._buffer.append((message, delivery))
        self._dispatch()

    def _dispatch(self) -> None:
        while self._buffer and self._in_flight < MAX_BATCHES_IN_FLIGHT:
            batch, size = [], 0
            while self._buffer and len(batch) < self.max_batch:
                weight = len(self._buffer[0][1].raw)
                if batch and size + weight > self.max_batch_bytes:
                    break
                batch.append(self._buffer.popleft())
                size += weight
            self._spawn(batch)

    def _spawn(self, batch: list) -> None:
        first_message, first = batch[0]
        context_data = self.unpack_message_headers(first_message)
        context_data.setdefault(
            "correlation_id", first.event_id or first_message.properties.get("message_id") or str(uuid.uuid4()))
        self._in_flight += 1
        self._held_in_flight += len(batch)
        try:
            self.container.spawn_worker(self, ([delivery for _, delivery in batch],), {},
                                        context_data=context_data, handle_result=partial(self._settle, batch))
        except ContainerBeingKilled:
            self._in_flight -= 1
            self._held_in_flight -= len(batch)
            for message, _ in batch:
                self.queue_consumer.requeue_message(message)

    def _settle(self, batch: list, worker_ctx, result, exc_info):
        try:
            if exc_info is None:
                for message, _ in batch:
                    self.queue_consumer.ack_message(message)
            elif len(batch) > 1:
                self.log.warning("batch_failed_trying_each_alone", size=len(batch), error=repr(exc_info[1]))
                for item in batch:
                    self._spawn([item])
            else:
                self._settle_failure(*batch[0], worker_ctx, exc_info)
        finally:
            self._in_flight -= 1
            self._held_in_flight -= len(batch)
            self._dispatch()
        return result, exc_info

    def _settle_failure(self, message, delivery: Delivery, worker_ctx, exc_info) -> None:
        if self._retry_later(delivery, exc_info[1]):
            self.queue_consumer.requeue_message(message)
            return
        correlation_id = worker_ctx.context_data.get("correlation_id")
        try:
            self.store.record_dead_letter(
                queue=delivery.queue, exchange=delivery.exchange, routing_key=delivery.routing_key,
                event_id=delivery.event_id, correlation_id=correlation_id,
                body=delivery.raw, headers=delivery.headers, exc_info=exc_info)
        except Exception as error:  # noqa: BLE001 - keep the message on the broker instead
            self.log.error("dead_letter_write_failed", event_id=delivery.event_id, error=repr(error))
            eventlet.sleep(2.0)
            self.queue_consumer.requeue_message(message)
            return
        self.log.error("message_dead_lettered", event_id=delivery.event_id, routing_key=delivery.routing_key,
                       error=repr(exc_info[1]), correlation_id=correlation_id)
        self.queue_consumer.ack_message(message)

    def _retry_later(self, delivery: Delivery, error: BaseException) -> bool:
        """A conflict with a concurrent transaction, a lost database connection or a service that
        did not answer in time is worth another go, a few times, after a short random pause;
        anything else is a dead letter."""
        if not isinstance(error, TRANSIENT_ERRORS):
            return False
        key = delivery.event_id or hash(delivery.raw)
        attempts = self._transient_failures.get(key, 0) + 1
        if attempts > MAX_TRANSIENT_RETRIES:
            self._transient_failures.pop(key, None)
            return False
        if len(self._transient_failures) > 10_000:
            self._transient_failures.clear()  # a bound on memory; worst case one more retry each
        self._transient_failures[key] = attempts
        self.log.warning("message_retried", event_id=delivery.event_id, attempt=attempts, error=repr(error))
        eventlet.sleep(random.uniform(0.05, 0.3) * attempts)
        return True


handles = QueueHandler.decorator
