"""Moving messages from one queue to another on the broker, losing none: each message is published
to its target (persistent, mandatory, confirmed by the broker) before it is acknowledged on its
source. Interrupted at any point, a message is in the source, or in both (never in neither); the
platform's consumers ignore a second copy of an event (the inbox).

Used by the queue migration (`shared.queue_migration`) and to replay parked messages
(`shared.parking`). One message at a time, each confirmed (a quorum queue's confirm waits for an
fsync): about 290 moves a second here, enough for operations run with the services stopped.
"""
from __future__ import annotations

from collections.abc import Callable

import amqp

# set by the broker on delivery; a copy carried into another queue would misreport that queue's count
_BROKER_HEADERS = ("x-delivery-count",)


# the routing key a message was published with, kept when it is moved to a queue through the default
# exchange (which routes by the queue's name): the consumer takes it from here (`shared.consumer`)
ROUTING_KEY_HEADER = "x-huiqi-routing-key"


def move(connection, source: str, target: Callable[[amqp.Message], str | None]) -> int:
    """Move every message of `source` to the queue `target(message)` names (through the default
    exchange, its routing key kept in ROUTING_KEY_HEADER), in order; a message it names no queue
    for stays in `source`, in its place. Returns how many were moved."""
    channel = connection.channel()
    moved = 0
    try:
        while (message := channel.basic_get(source)) is not None:
            queue = target(message)
            if queue is None:
                continue  # left unacknowledged: back in its place when the channel closes
            channel.basic_publish_confirm(_copy(message), exchange="", routing_key=queue, mandatory=True)
            channel.basic_ack(message.delivery_tag)
            moved += 1
    finally:
        channel.close()
    return moved


def _copy(message: amqp.Message) -> amqp.Message:
    properties = dict(message.properties)
    headers = {key: value for key, value in (properties.get("application_headers") or {}).items()
               if key not in _BROKER_HEADERS}
    headers.setdefault(ROUTING_KEY_HEADER, _published_with(message, headers))
    properties["application_headers"] = headers
    # the broker refuses a user_id other than the publisher's own; nothing of ours reads it
    properties.pop("user_id", None)
    properties["delivery_mode"] = 2
    return amqp.Message(message.body, **properties)


def _published_with(message: amqp.Message, headers: dict) -> str:
    """The routing key the message was first published with: a parked message's is in the broker's
    `x-death` record (its delivery has the parking key), any other's in its delivery."""
    deaths = headers.get("x-death") or []
    keys = deaths[-1].get("routing-keys") if deaths else None
    return keys[0] if keys else message.delivery_info["routing_key"]
