"""Upgrading a broker whose platform queues are classic queues (every broker an earlier release
declared): `huiqi declare` says what to do instead of failing with a raw AMQP error, and
`huiqi declare --migrate` turns them into quorum queues without losing or reordering a message.
Each test on a virtual host of its own, on the real broker."""
from __future__ import annotations

import json

import kombu
import pytest
from kombu import Queue, binding

from shared import queue_migration, topology
from shared.config import settings
from shared.queue_migration import MIGRATING
from shared.topology import EXCHANGES, GOV_EVENTS, PLATFORM_EVENTS, ROUTES
from tests.broker import fresh_vhost
from tests.integration.test_quorum_queues import depth, queues_of
from tools import cli


@pytest.fixture
def old_broker(monkeypatch):
    """A vhost as an earlier release left it: every platform queue classic, bound as today."""
    with fresh_vhost("huiqi-migration") as uri:
        with kombu.Connection(uri) as connection:
            channel = connection.channel()
            for exchange in EXCHANGES[:3]:
                exchange(channel).declare()
            for route in ROUTES.values():
                Queue(route.queue, bindings=[binding(route.exchange, routing_key=key) for key in route.routing_keys],
                      durable=True)(channel).declare()
        monkeypatch.setenv("HUIQI_AMQP_URI", uri)
        settings.cache_clear()
        yield uri
        settings.cache_clear()


def publish(uri: str, exchange, routing_key: str, count: int, tag: str) -> list[str]:
    bodies = [json.dumps({"event_id": f"{tag}-{number}"}) for number in range(count)]
    with kombu.Connection(uri, transport_options={"confirm_publish": True}) as connection:
        producer = kombu.Producer(connection)
        for body in bodies:
            producer.publish(body, exchange=exchange.name, routing_key=routing_key, delivery_mode=2,
                             content_type="application/json", message_id=json.loads(body)["event_id"],
                             headers={"nameko.correlation_id": "c-1"})
    return bodies


def drained(uri: str, queue: str) -> list[tuple[str, str, str]]:
    """(body, routing key the handler sees, a header kept) of each message of `queue`, in order. Read by a
    consumer, as the services read: a queue with a single active consumer refuses basic.get."""
    found = []

    def taken(message):
        routing_key = message.headers.get("x-huiqi-routing-key") or message.delivery_info["routing_key"]
        body = message.body if isinstance(message.body, str) else message.body.decode()
        found.append((body, routing_key, message.headers.get("nameko.correlation_id")))

    with kombu.Connection(uri) as connection:
        channel = connection.default_channel
        waiting = channel.queue_declare(queue, passive=True).message_count
        channel.basic_consume(queue, no_ack=True, callback=taken)
        while len(found) < waiting:
            connection.drain_events(timeout=10)
    return found


def test_declare_on_classic_queues_says_to_migrate_and_changes_nothing(old_broker, capsys):
    waiting = publish(old_broker, GOV_EVENTS, "enterprise.registered", 5, "gov")
    assert cli.main(["declare"]) == 1
    error = capsys.readouterr().err
    assert "huiqi declare --migrate" in error and "tagging.gov_events" in error and "Stop every service" in error
    assert queues_of(old_broker)["tagging.gov_events"]["type"] == "classic"
    assert [body for body, _, _ in drained(old_broker, "tagging.gov_events")] == waiting


def test_migrate_refuses_while_a_service_consumes(old_broker, capsys):
    with kombu.Connection(old_broker) as connection:
        channel = connection.channel()
        channel.basic_consume("tagging.gov_events", callback=lambda message: None)
        assert cli.main(["declare", "--migrate"]) == 1
    assert "stop every service" in capsys.readouterr().err
    assert queues_of(old_broker)["tagging.gov_events"]["type"] == "classic"


def test_migrate_moves_every_message_in_order_to_quorum_queues(old_broker, capsys):
    gov = publish(old_broker, GOV_EVENTS, "enterprise.registered", 300, "gov")
    matches = publish(old_broker, PLATFORM_EVENTS, "policy.matches_changed", 50, "match")

    assert cli.main(["declare", "--migrate"]) == 0
    out = capsys.readouterr().out
    assert "queue tagging.gov_events migrated to a quorum queue, 300 message(s) moved" in out

    queues = queues_of(old_broker)
    assert all(queues[route.queue]["type"] == "quorum" for route in ROUTES.values())
    assert not [name for name in queues if name.endswith(MIGRATING)]
    assert drained(old_broker, "tagging.gov_events") == [(body, "enterprise.registered", "c-1") for body in gov]
    for queue in ("notification.matches_changed", "evaluation.matches_changed", "counselling.matches_changed"):
        assert drained(old_broker, queue) == [(body, "policy.matches_changed", "c-1") for body in matches]
    # bound as before: a new event reaches the new queue
    fresh = publish(old_broker, GOV_EVENTS, "enterprise.deregistered", 1, "new")
    assert [body for body, _, _ in drained(old_broker, "tagging.gov_events")] == fresh
    assert cli.main(["declare"]) == 0   # and the next plain declare finds nothing to change


def test_an_interrupted_migration_is_reported_and_resumed(old_broker, capsys):
    """As if `--migrate` stopped after moving tagging.gov_events' messages to the temporary queue and
    deleting the classic one."""
    waiting = publish(old_broker, GOV_EVENTS, "enterprise.registered", 20, "gov")
    temporary = "tagging.gov_events" + MIGRATING
    with kombu.Connection(old_broker) as connection:
        queue_migration.begin(connection)
        channel = connection.channel()
        channel.queue_declare(temporary, durable=True, auto_delete=False, arguments=topology.QUORUM)
        while (message := channel.basic_get("tagging.gov_events")) is not None:
            channel.basic_publish_confirm(message, exchange="", routing_key=temporary)
            channel.basic_ack(message.delivery_tag)
        channel.queue_delete("tagging.gov_events")

    assert cli.main(["declare"]) == 1
    assert "tagging.gov_events" in capsys.readouterr().err
    assert depth(old_broker, temporary) == 20
    assert cli.main(["declare", "--migrate"]) == 0
    assert [body for body, _, _ in drained(old_broker, "tagging.gov_events")] == waiting
    assert temporary not in queues_of(old_broker)
    assert depth(old_broker, queue_migration.IN_PROGRESS.name) == 0   # the migration ended
