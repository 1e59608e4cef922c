"""The test RabbitMQ: `rabbitmqctl`, a virtual host of one's own, and what its queues hold."""
from __future__ import annotations

import subprocess
import uuid
from contextlib import contextmanager

from shared.topology import ROUTES

BROKER = "amqp://guest:guest@127.0.0.1:5672"


def rabbitmqctl(*args: str, timeout: float = 60.0) -> str:
    done = subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True,
                          timeout=timeout)
    return done.stdout


@contextmanager
def fresh_vhost(name: str):
    """A RabbitMQ virtual host of our own (`name` and a random suffix), with nothing declared in it
    yet; deleted afterwards."""
    vhost = f"{name}-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"{BROKER}/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


def queue_totals(amqp_uri: str) -> dict[str, int]:
    """Messages per platform queue, ready and unacknowledged together (a message is gone from
    here only once its handler finished and acknowledged it)."""
    vhost = amqp_uri.rsplit("/", 1)[1]
    listing = rabbitmqctl("list_queues", "-p", vhost, "--no-table-headers", "name", "messages")
    totals = {}
    for line in listing.splitlines():
        name, _, count = line.strip().rpartition("\t")
        if name in ROUTES:
            totals[name] = int(count)
    return totals


def taken_off(amqp_uri: str, queue: str, timeout: float = 10.0) -> list:
    """Every message waiting on `queue` now, in order, taken off it by a consumer: a queue with a single
    active consumer (tagging's intake) refuses basic.get."""
    import kombu

    found: list = []
    with kombu.Connection(amqp_uri) as connection:
        channel = connection.default_channel
        waiting = channel.queue_declare(queue, passive=True).message_count
        channel.basic_consume(queue, no_ack=True, callback=found.append)
        while len(found) < waiting:
            connection.drain_events(timeout=timeout)
    return found
