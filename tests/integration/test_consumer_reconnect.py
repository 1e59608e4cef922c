"""A service whose broker connection is lost consumes again soon after the broker is back, and says
it is not ready meanwhile. Found by the broker-restart drill: kombu's reconnect pause grows to 30 s,
so after a long outage a queue stayed unconsumed for up to 30 s with `/health` saying all was well
(RPC, which answers health, has a connection of its own and was back already)."""
import json
import uuid

import pytest
from sqlalchemy import MetaData

from shared import queue_consumer
from shared.consumer import QueueHandler, handles
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.store import Store
from tests.polling import until
from tests.tcp_proxy import TcpProxy, url_through

QUEUE = "notification.matches_changed"
ROUTING_KEY = "policy.matches_changed"
FAILED_ATTEMPTS = 5     # kombu's own pauses would have reached 10 s by then


class CountingService:
    name = "notification"   # a service name the database fixtures know (and drop afterwards)
    store = Store(MetaData())
    handled: list[str] = []

    @handles(QUEUE)
    def on_messages(self, deliveries):
        CountingService.handled.extend(delivery.event_id for delivery in deliveries)


def publish(amqp_uri: str) -> str:
    event_id = f"reconnect-{uuid.uuid4().hex[:8]}"
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        assert publisher.publish([Outgoing("huiqi.events", ROUTING_KEY, json.dumps({"event_id": event_id}),
                                           event_id)]) == []
    finally:
        publisher.close()
    return event_id


@pytest.fixture
def broker_proxy():
    proxy = TcpProxy(5672).start()
    yield proxy
    proxy.close()


def test_a_lost_broker_connection_is_retried_every_few_seconds_and_reported_not_ready(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, broker_proxy, monkeypatch):
    pauses: list[float] = []
    original = queue_consumer.StoppableQueueConsumer.on_connection_error

    def recording(self, exc, interval):
        pauses.append(interval)
        original(self, exc, interval)

    monkeypatch.setattr(queue_consumer.StoppableQueueConsumer, "on_connection_error", recording)
    CountingService.handled = []
    container = container_factory(CountingService, {**nameko_config, "AMQP_URI": url_through(amqp_uri, broker_proxy)})
    container.start()
    consumer = next(ep for ep in container.entrypoints if isinstance(ep, QueueHandler)).queue_consumer

    before = publish(amqp_uri)
    until(lambda: before in CountingService.handled, timeout=10)
    assert consumer.waiting_for() is None

    broker_proxy.cut()
    until(lambda: consumer.waiting_for() == "bus consumers", timeout=10)
    until(lambda: len(pauses) >= FAILED_ATTEMPTS, timeout=30)
    assert consumer.waiting_for() == "bus consumers"
    assert max(pauses) <= queue_consumer.RECONNECT_MAX_PAUSE_S, pauses
    assert pauses[-1] == queue_consumer.RECONNECT_MAX_PAUSE_S, pauses

    during = publish(amqp_uri)          # published while the service is cut off: waits in its queue
    broker_proxy.restore()
    until(lambda: during in CountingService.handled, timeout=queue_consumer.RECONNECT_MAX_PAUSE_S + 10)
    until(lambda: consumer.waiting_for() is None, timeout=5)
    assert not container._died.ready()


def test_a_consumer_whose_connection_is_closed_under_it_sets_up_its_consumers_again(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues):
    """A worker's ack that meets a dead socket leaves py-amqp's transport marked not connected (what
    `amqp.transport.Transport.write` does on an OSError) while the consumer's loop is elsewhere.
    kombu's loop then reads through `Connection.connection`, which opens a new, empty connection in
    silence when the broker answers: without the check on each turn the queue kept its consumer on
    the old socket that nobody reads, and nothing published afterwards was ever handled."""
    CountingService.handled = []
    container = container_factory(CountingService, nameko_config)
    container.start()
    consumer = next(ep for ep in container.entrypoints if isinstance(ep, QueueHandler)).queue_consumer
    before = publish(amqp_uri)
    until(lambda: before in CountingService.handled, timeout=10)

    consumed_on = consuming_connection(consumer)
    kombu_connection = consumed_on.client
    consumed_on.transport.connected = False     # as a failed write leaves it
    # the loop's next turns: kombu replaces the connection under it, or the check closes it
    until(lambda: kombu_connection._connection is not consumed_on, timeout=10)

    after = publish(amqp_uri)
    until(lambda: after in CountingService.handled, timeout=15)
    until(lambda: consumer.waiting_for() is None, timeout=5)
    assert consuming_connection(consumer) is not consumed_on and not container._died.ready()


def consuming_connection(consumer):
    """The AMQP connection the consumers were set up on (the channel they consume on belongs to it)."""
    (kombu_consumer,) = consumer._consumers.values()
    return kombu_consumer.channel.connection
