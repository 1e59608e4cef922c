"""Publishing with publisher confirms and `mandatory` (where `topology.must_route` says), a batch at a time.

Nameko's dispatcher waits for each confirm before the next publish; here a whole batch goes
out, then the confirms are awaited together, so a batch costs about one round trip.
"""
from __future__ import annotations

from dataclasses import dataclass

import amqp
import kombu

from shared.moving import ROUTING_KEY_HEADER
from shared.topology import must_route


@dataclass(frozen=True)
class Outgoing:
    exchange: str
    routing_key: str
    body: str  # JSON text
    message_id: str
    correlation_id: str | None = None
    # sent straight to a queue (the default exchange, `routing_key` the queue's name), the routing key
    # it was first published with, which the consumer hands its handler (`shared.moving`)
    published_with: str | None = None


@dataclass(frozen=True)
class Unroutable:
    message: Outgoing
    reason: str


class PublishFailed(Exception):
    """The broker refused (nacked) messages or the connection failed; nothing was confirmed."""


class ConfirmingPublisher:
    def __init__(self, amqp_uri: str, confirm_timeout_s: float = 30.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout_s = confirm_timeout_s
        self._connection: kombu.Connection | None = None
        self._channel = None
        self._next_tag = 1
        self._outstanding: set[int] = set()
        self._nacked: set[int] = set()
        self._returned: list[tuple[str, str]] = []

    def publish(self, messages: list[Outgoing]) -> list[Unroutable]:
        """Publish every message persistently; return those that had to reach a queue and did not.

        Raises PublishFailed if any message was not confirmed: the caller keeps the batch and
        retries, so a message may be delivered twice but never lost (consumers dedupe by id)."""
        if not messages:
            return []
        try:
            return self._publish(messages)
        except PublishFailed:
            self.close()
            raise
        except Exception as error:
            self.close()
            raise PublishFailed(f"{type(error).__name__}: {error}") from error

    def _publish(self, messages: list[Outgoing]) -> list[Unroutable]:
        channel = self._open()
        by_id = {}
        self._nacked.clear()
        self._returned.clear()
        for message in messages:
            headers = {"nameko.correlation_id": message.correlation_id} if message.correlation_id else {}
            if message.published_with:
                headers[ROUTING_KEY_HEADER] = message.published_with
            channel.basic_publish(
                amqp.Message(message.body.encode("utf-8"), content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2, message_id=message.message_id,
                             application_headers=headers),
                exchange=message.exchange, routing_key=message.routing_key,
                mandatory=must_route(message.exchange, message.routing_key))
            self._outstanding.add(self._next_tag)
            self._next_tag += 1
            by_id[message.message_id] = message
        while self._outstanding:
            self._connection.drain_events(timeout=self.confirm_timeout_s)
        if self._nacked:
            raise PublishFailed(f"broker nacked {len(self._nacked)} of {len(messages)} messages")
        return [Unroutable(by_id[message_id], reason) for message_id, reason in self._returned
                if message_id in by_id]

    def _open(self):
        if self._channel is None:
            connection = kombu.Connection(self.amqp_uri, connect_timeout=5)
            # one attempt: each caller retries on its own terms (the relay backs off, the gateway
            # answers 503); kombu's connect() tries again after 2 s, which would hold up a stop
            connection.ensure_connection(max_retries=0)
            channel = connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._connection, self._channel = connection, channel
            self._next_tag = 1
            self._outstanding.clear()
        return self._channel

    def _settle(self, delivery_tag: int, multiple: bool) -> set[int]:
        settled = {tag for tag in self._outstanding if tag <= delivery_tag} if multiple else {delivery_tag}
        self._outstanding -= settled
        return settled

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked |= self._settle(delivery_tag, multiple)

    def _on_return(self, exc, exchange, routing_key, message):
        reason = f"unroutable: no queue bound to {exchange!r} for {routing_key!r} ({exc})"
        self._returned.append((message.properties.get("message_id"), reason))

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - the connection is already broken; nothing to keep
                pass
