"""The platform's queues are quorum queues with a delivery limit, on the real broker: a message that
went back to its queue unsettled DELIVERY_LIMIT times (restarts, crashes, lost connections) is still
delivered; one that keeps killing its consumer is parked in `huiqi.parked.<service>`, listed and
replayed by `huiqi parked`, and nothing is lost."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid

import kombu
import pytest

from shared import parking, topology
from shared.consumer import handles
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.store import Store
from shared.topology import DELIVERY_LIMIT, PARKED, ROUTES
from tests.broker import rabbitmqctl
from tests.integration.crashing_consumer import KILLED, QUEUE
from tests.polling import until
from tools import cli
from tools.launcher import ROOT

ROUTING_KEY = "policy.matches_changed"


def queues_of(amqp_uri: str) -> dict[str, dict]:
    """Each queue's type and arguments, as the broker lists them."""
    vhost = amqp_uri.rsplit("/", 1)[1]
    listing = json.loads(rabbitmqctl("list_queues", "-p", vhost, "--formatter", "json", "name", "type",
                                     "arguments", "messages"))
    return {queue["name"]: {**queue, "arguments": {key: value for key, _, value in queue["arguments"]}}
            for queue in listing}


def depth(amqp_uri: str, queue: str) -> int:
    """Messages ready in `queue`, now (`rabbitmqctl list_queues` shows a quorum queue's a few seconds late)."""
    with kombu.Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count


def publish(amqp_uri: str, bodies: list[dict]) -> None:
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        assert publisher.publish([Outgoing("huiqi.events", ROUTING_KEY, json.dumps(body), body["event_id"])
                                  for body in bodies]) == []
    finally:
        publisher.close()


def events(count: int, **extra) -> list[dict]:
    return [{"event_id": f"e-{number}-{uuid.uuid4().hex[:6]}", **extra} for number in range(count)]


def taken(channel, queue: str):
    """The queue's head message, once it is there: a message returned by a closed connection is back
    on a quorum queue a moment later (its log applies the return), not at once."""
    return until(lambda: channel.basic_get(queue), timeout=10, what=f"a message on {queue}")


def returned_unsettled(amqp_uri: str, queue: str, times: int) -> None:
    """What the broker sees when a process holding the queue's head message stops or dies: the
    connection closes with the message unacknowledged, and it goes back to the queue."""
    for _ in range(times):
        with kombu.Connection(amqp_uri) as connection:
            taken(connection.default_channel, queue)


def test_declare_makes_every_platform_queue_a_quorum_queue_with_a_limit_and_a_parking_queue(amqp_uri):
    topology.declare(amqp_uri)   # a second time, as every deployment does: nothing changes
    queues = queues_of(amqp_uri)
    for route in ROUTES.values():
        assert queues[route.queue]["type"] == "quorum", route.queue
        assert queues[route.queue]["arguments"]["x-delivery-limit"] == DELIVERY_LIMIT
        assert queues[route.queue]["arguments"]["x-dead-letter-exchange"] == "huiqi.dead"
        assert queues[route.queue]["arguments"]["x-dead-letter-strategy"] == "at-least-once"
        assert queues[PARKED + route.consumer]["type"] == "quorum"
    assert {name for name in queues if name.startswith(PARKED)} == {PARKED + name for name in topology.consumers()}


def test_a_message_returned_as_often_as_the_limit_allows_is_still_delivered_then_parked_and_replayed(
        amqp_uri, purge_queues):
    queue = "counselling.matches_changed"   # consumed by no service in this test
    [event] = events(1)
    publish(amqp_uri, [event])
    returned_unsettled(amqp_uri, queue, DELIVERY_LIMIT)   # 20 restarts, crashes or lost connections

    with kombu.Connection(amqp_uri) as connection:
        channel = connection.default_channel
        message = taken(channel, queue)
        assert json.loads(message.body) == event and message.headers["x-delivery-count"] == DELIVERY_LIMIT
        # once more unsettled: the limit is reached and the broker parks it for the consuming service
        channel.basic_reject(message.delivery_tag, requeue=True)
    # the broker's dead-letter worker moves it to the parking queue, confirmed, a moment later
    until(lambda: parking.count(amqp_uri, "counselling") == 1, timeout=10, what="the message parked")
    assert depth(amqp_uri, queue) == 0
    [parked] = parking.listing(amqp_uri, "counselling")
    assert (parked["id"], parked["queue"], parked["routing_key"], parked["reason"]) == (
        event["event_id"], queue, ROUTING_KEY, "delivery_limit")
    assert parking.count(amqp_uri, "counselling") == 1   # listing leaves it in place

    assert parking.replay(amqp_uri, "counselling", ["some-other-id"]) == 0
    assert parking.replay(amqp_uri, "counselling") == 1
    with kombu.Connection(amqp_uri) as connection:
        message = until(lambda: connection.default_channel.basic_get(queue, no_ack=True), timeout=10,
                        what="the replayed message on its queue")
    # back on its queue with a fresh count, and the routing key its handler reads
    assert json.loads(message.body) == event and message.headers["x-delivery-count"] == 0
    assert message.headers["x-huiqi-routing-key"] == ROUTING_KEY
    assert parking.count(amqp_uri, "counselling") == 0


class CountingService:
    name = "notification"   # a service name the database fixtures know (and drop afterwards)
    store = Store()
    handled: list[tuple[str, int]] = []

    @handles(QUEUE)
    def on_messages(self, deliveries):
        CountingService.handled.extend((delivery.event_id, delivery.returns) for delivery in deliveries)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_message_returned_by_as_many_restarts_as_the_limit_allows_is_handled(
        amqp_uri, purge_queues, platform_env, container_factory, nameko_config):
    head, behind = events(1), events(3)
    publish(amqp_uri, head + behind)
    returned_unsettled(amqp_uri, QUEUE, DELIVERY_LIMIT)   # the head was held by 20 processes that stopped

    CountingService.handled = []
    container_factory(CountingService, nameko_config).start()
    until(lambda: len(CountingService.handled) == 4, timeout=10, what="every message handled")
    assert CountingService.handled == [(head[0]["event_id"], DELIVERY_LIMIT)] + [
        (event["event_id"], 0) for event in behind]
    assert parking.count(amqp_uri, "notification") == 0


def consumers_of(amqp_uri: str, queue: str) -> list[tuple[str, int]]:
    """(consumer tag, prefetch count) of each consumer of `queue`, as the broker lists them."""
    vhost = amqp_uri.rsplit("/", 1)[1]
    listing = json.loads(rabbitmqctl("list_consumers", "-p", vhost, "--formatter", "json", "queue_name",
                                     "consumer_tag", "prefetch_count"))
    return [(row["consumer_tag"], row["prefetch_count"]) for row in listing if row["queue_name"] == queue]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_queue_is_taken_one_message_at_a_time_until_its_head_is_not_suspect(
        amqp_uri, purge_queues, platform_env, container_factory, nameko_config):
    CountingService.handled = []
    container_factory(CountingService, {**nameko_config, "PREFETCH_COUNT": 400}).start()
    until(lambda: len(consumers_of(amqp_uri, QUEUE)) == 1, timeout=10, what="the consumer")
    [(_, narrow)] = consumers_of(amqp_uri, QUEUE)
    assert narrow == 1

    first = events(30)
    publish(amqp_uri, first)
    until(lambda: len(CountingService.handled) == 30, timeout=10, what="the first messages handled")
    [(tag, wide)] = consumers_of(amqp_uri, QUEUE)
    assert wide == 400
    # widened once for the connection, not again at every message
    publish(amqp_uri, events(30))
    until(lambda: len(CountingService.handled) == 60, timeout=10, what="the next messages handled")
    assert consumers_of(amqp_uri, QUEUE) == [(tag, 400)]


def _run_consumer(env: dict, handled_file, timeout_s: float) -> int | None:
    """One life of the crashing consumer: its exit code, or None if it was still running at the end."""
    process = subprocess.Popen([sys.executable, "-m", "tests.integration.crashing_consumer", str(handled_file)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait(timeout=30)
        return None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_message_that_kills_its_consumer_every_time_is_parked_and_nothing_is_lost(
        amqp_uri, purge_queues, platform_env, tmp_path, capsys):
    import os

    before, poison, after = events(3), events(1, kill=True), events(3)
    publish(amqp_uri, before + poison + after)
    handled_file = tmp_path / "handled.txt"
    env = {**os.environ, **platform_env, "PYTHONPATH": str(ROOT)}

    lives = []
    while len(lives) <= DELIVERY_LIMIT + 2:
        code = _run_consumer(env, handled_file, timeout_s=20)
        lives.append(code)
        if code is None:
            break
    # the process died at each delivery of the poison, until the broker parked it
    assert lives[:-1] == [KILLED] * (DELIVERY_LIMIT + 1) and lives[-1] is None, lives
    handled = handled_file.read_text(encoding="utf-8").split()
    parked = [message["id"] for message in parking.listing(amqp_uri, "notification")]
    # nothing lost, nothing twice: each message handled or parked, in order
    assert sorted(handled + parked) == sorted(event["event_id"] for event in before + poison + after)
    assert len(set(handled)) == len(handled)
    # only the poison is parked: from its second return on it is taken alone, one message at a time, so
    # the messages behind it were no longer held (nor counted) when it killed the process; all the
    # others were handled, in order
    assert parked == [poison[0]["event_id"]]
    assert handled == [event["event_id"] for event in before + after]
    assert depth(amqp_uri, QUEUE) == 0

    assert cli.main(["parked", "notification"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith(f"notification: {len(parked)} parked") and poison[0]["event_id"] in listed


ORDERED = "tagging.gov_events"


class OrderedService:
    """Consumes tagging's intake, a queue with a single active consumer (`Route.ordered`)."""
    name = "tagging"
    store = Store()
    handled: list[str] = []

    @handles(ORDERED)
    def on_gov_events(self, deliveries):
        OrderedService.handled.extend(delivery.event_id for delivery in deliveries)


def active_consumer(amqp_uri: str, queue: str) -> list[str]:
    vhost = amqp_uri.rsplit("/", 1)[1]
    listing = json.loads(rabbitmqctl("list_consumers", "-p", vhost, "--formatter", "json", "queue_name",
                                     "consumer_tag", "active"))
    return [row["consumer_tag"] for row in listing if row["queue_name"] == queue and row["active"]]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_ordered_queue_is_consumed_wide_from_the_start_and_keeps_its_active_replica(
        amqp_uri, purge_queues, platform_env, container_factory, nameko_config):
    """Widening cancels a consumer and consumes again: on a queue with a single active consumer that
    would hand the active role to the standby replica while a message is still being handled."""
    assert ROUTES[ORDERED].ordered and not ROUTES[QUEUE].ordered
    OrderedService.handled = []
    config = {**nameko_config, "PREFETCH_COUNT": 400}
    container_factory(OrderedService, config).start()
    until(lambda: len(consumers_of(amqp_uri, ORDERED)) == 1, timeout=10, what="the first replica's consumer")
    [(active, prefetch)] = consumers_of(amqp_uri, ORDERED)
    assert prefetch == 400
    container_factory(OrderedService, config).start()     # a second replica: the standby
    until(lambda: len(consumers_of(amqp_uri, ORDERED)) == 2, timeout=10, what="the standby's consumer")

    bodies = events(30)
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        assert publisher.publish([Outgoing("gov.events", "enterprise.registered", json.dumps(body),
                                           body["event_id"]) for body in bodies]) == []
    finally:
        publisher.close()
    until(lambda: len(OrderedService.handled) == 30, timeout=15, what="every message handled")
    assert OrderedService.handled == [body["event_id"] for body in bodies]
    assert active_consumer(amqp_uri, ORDERED) == [active], "the active replica never handed over"
