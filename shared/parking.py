"""Parked messages: those the broker took off a service's queue because they were delivered more
than `topology.DELIVERY_LIMIT` times without being settled (each time, most likely, the process
died while holding them), kept in the quorum queue `huiqi.parked.<service>`. `huiqi parked` lists
and replays them; `huiqi_parked_messages` counts them (`shared.metrics`).

Unlike a dead letter (the service's `dead_letters` table: the handler raised, the error is known),
nothing recorded why: the message's handling ended the process before anything could be written.
"""
from __future__ import annotations

import json

from kombu import Connection

from shared.moving import ROUTING_KEY_HEADER, move
from shared.topology import PARKED


def count(amqp_uri: str, service: str) -> int:
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        depth = channel.queue_declare(PARKED + service, passive=True).message_count
        channel.close()
    return depth


def listing(amqp_uri: str, service: str) -> list[dict]:
    """Every parked message of `service`, in order, left in place (taken without acknowledging: the
    broker puts them back, in order, when the channel closes)."""
    found = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        while (message := channel.basic_get(PARKED + service)) is not None:
            found.append(_described(message, len(found) + 1))
        channel.close()
    return found


def replay(amqp_uri: str, service: str, ids: list[str] | None = None) -> int:
    """Send parked messages back to the queue each came from (all, or those whose `id` is in
    `ids`), in order. Once the cause is fixed; the inbox ignores what was handled already."""
    positions = iter(range(1, 1_000_000_000))

    def target(message) -> str | None:
        described = _described(message, next(positions))
        return described["queue"] if not ids or described["id"] in ids else None

    with Connection(amqp_uri) as connection:
        return move(connection, PARKED + service, target)


def _described(message, position: int) -> dict:
    headers = message.headers or {}
    [death, *_] = headers.get("x-death") or [{}]
    return {"position": position,
            "id": message.properties.get("message_id") or _event_id(message.body) or f"position-{position}",
            "queue": headers.get("x-first-death-queue") or death.get("queue"),
            "routing_key": headers.get(ROUTING_KEY_HEADER) or (death.get("routing-keys") or [None])[0],
            "reason": headers.get("x-first-death-reason") or death.get("reason"),
            "parked_at": death["time"].isoformat() if death.get("time") else None,
            "size": len(message.body)}


def _event_id(body: bytes | str) -> str | None:
    try:
        decoded = json.loads(body)
    except ValueError:
        return None
    return decoded.get("event_id") if isinstance(decoded, dict) else None
