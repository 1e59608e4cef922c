"""The entrypoint every service consumes the bus with: `@handles("<queue>")`.

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
from dataclasses import dataclass
from functools import partial
from typing import Any

import amqp.exceptions
import eventlet
import kombu.exceptions
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer
from sqlalchemy.exc import IntegrityError, OperationalError

from shared.logs import get_logger
from shared.topology import ROUTES

# Deadlocks, serialisation failures, unique-key races between concurrent workers, lost connections
TRANSIENT_ERRORS = (OperationalError, IntegrityError)
MAX_TRANSIENT_RETRIES = 5
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
    """Nameko's queue consumer, but an undecodable body reaches the handler instead of crashing."""

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
    queue_consumer = GuardedQueueConsumer()

    def __init__(self, queue_name: str, **kwargs):
        self.route = ROUTES[queue_name]
        super().__init__(self.route.kombu_queue(), requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        self._transient_failures: dict = {}
        from shared.store import Store  # the store is the service's own database
        stores = [dep for dep in self.container.dependencies if isinstance(dep, Store)]
        if not stores:
            raise RuntimeError(f"{self.container.service_name} consumes {self.route.queue} "
                               "but has no Store to keep dead letters in")
        self.store = stores[0]
        self.log = get_logger(f"huiqi.{self.container.service_name}.consumer",
                              service=self.container.service_name, queue=self.route.queue)

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
        context_data = self.unpack_message_headers(message)
        context_data.setdefault(
            "correlation_id",
            delivery.event_id or message.properties.get("message_id") or str(uuid.uuid4()))
        try:
            self.container.spawn_worker(
                self, (delivery,), {}, context_data=context_data,
                handle_result=partial(self._settle, message, delivery))
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def _settle(self, message, delivery: Delivery, worker_ctx, result, exc_info):
        if exc_info is not None and self._retry_later(delivery, exc_info[1]):
            self.queue_consumer.requeue_message(message)
            return result, exc_info
        if exc_info is not None:
            try:
                self.store.record_dead_letter(
                    queue=delivery.queue, exchange=delivery.exchange, routing_key=delivery.routing_key,
                    event_id=delivery.event_id, correlation_id=worker_ctx.context_data.get("correlation_id"),
                    body=delivery.raw, headers=delivery.headers, exc_info=exc_info)
                self.log.error("message_dead_lettered", event_id=delivery.event_id,
                               routing_key=delivery.routing_key, error=repr(exc_info[1]),
                               correlation_id=worker_ctx.context_data.get("correlation_id"))
            except Exception as error:  # noqa: BLE001 - keep the message on the broker instead
                self.log.error("dead_letter_write_failed", event_id=delivery.event_id, error=repr(error))
                eventlet.sleep(2.0)
                self.queue_consumer.requeue_message(message)
                return result, exc_info
        self.queue_consumer.ack_message(message)
        return result, exc_info


    def _retry_later(self, delivery: Delivery, error: BaseException) -> bool:
        """A conflict with a concurrent transaction or a lost database connection is worth
        another go, a few times, after a short random pause; anything else is a dead letter."""
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
