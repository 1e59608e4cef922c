"""A government system's broker user (contract section 14) writes to gov.events and nothing else."""
import uuid
from urllib.parse import quote

import amqp
import pytest
from kombu import Connection, Exchange, Producer, Queue

from services.accounts import broker_users
from shared import cli
from shared.config import settings
from shared.topology import GOV_EVENTS, PLATFORM_EVENTS

BROKER_HOST = "127.0.0.1:5672"


@pytest.fixture
def system_user(monkeypatch, amqp_uri, capsys):
    """A broker user made by `huiqi broker-user` on this test session's vhost; deleted afterwards."""
    monkeypatch.setenv("HUIQI_AMQP_URI", amqp_uri)
    settings.cache_clear()
    source = f"test-{uuid.uuid4().hex[:10]}"
    assert cli.main(["broker-user", source]) == 0
    printed = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    user, password = printed["user"], printed["password"].split()[0]
    assert user == broker_users.user_name(source) and printed["vhost"] == broker_users.vhost_of(amqp_uri)
    vhost = broker_users.vhost_of(amqp_uri)
    yield f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{BROKER_HOST}/{quote(vhost, safe='')}"
    assert cli.main(["broker-user", source, "--delete"]) == 0
    settings.cache_clear()


@pytest.fixture
def listening(amqp_uri):
    """A queue of the test's own (made as guest) bound to gov.events and huiqi.events by a key no one else uses."""
    key = f"test.broker_user.{uuid.uuid4().hex}"
    with Connection(amqp_uri) as connection:
        queue = Queue(f"test.{key}", durable=False)(connection.channel())
        queue.declare()
        for exchange in (GOV_EVENTS, PLATFORM_EVENTS):
            queue.bind_to(exchange=exchange.name, routing_key=key)
        try:
            yield key, queue
        finally:
            queue.delete()


def publish(uri: str, exchange: Exchange, routing_key: str, body: str) -> None:
    """Publish with confirms and without declaring anything: the broker's refusal raises here."""
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel(), exchange=exchange, auto_declare=False)
        producer.publish(body, routing_key=routing_key, content_type="application/json", delivery_mode=2)


def test_it_publishes_to_gov_events(system_user, listening):
    key, queue = listening
    publish(system_user, GOV_EVENTS, key, '{"hello": "gov"}')
    message = queue.get(no_ack=True)
    assert message is not None and message.body == '{"hello": "gov"}'


@pytest.mark.parametrize("exchange", [PLATFORM_EVENTS, Exchange("", type="direct")], ids=["huiqi.events", "default"])
def test_it_cannot_publish_anywhere_else(system_user, listening, exchange):
    key, queue = listening
    with pytest.raises(amqp.exceptions.AccessRefused):
        publish(system_user, exchange, key if exchange.name else queue.name, '{"hello": "platform"}')
    assert queue.get(no_ack=True) is None


@pytest.mark.parametrize("queue_name", ["tagging.gov_events", "policy.enterprise_tagged"])
def test_it_cannot_read_or_declare_queues(system_user, listening, queue_name):
    with Connection(system_user) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused):
            connection.channel().basic_get(queue_name, no_ack=True)
    with Connection(system_user) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused):
            Queue(f"test.mine.{uuid.uuid4().hex}", exchange=GOV_EVENTS, routing_key="#")(connection.channel()).declare()
    _, own = listening   # nor the queue a platform user bound for it
    with Connection(system_user) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused):
            connection.channel().basic_get(own.name, no_ack=True)


def test_a_malformed_source_makes_no_user(capsys):
    assert cli.main(["broker-user", "Market Regulation"]) == 1
    assert "source" in capsys.readouterr().err
