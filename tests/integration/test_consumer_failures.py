"""How `@handles` treats a failing batch, on the real broker and both databases: an unavailable
dependency pauses the queue and retries the same batch in place (never a dead letter, never out
of order); a message that fails by itself becomes the only dead letter, the others keep their order."""
import json
import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError, OperationalError

from shared import dead_letters, failures
from shared.config import settings
from shared.consumer import handles
from shared.database import engine_for
from shared.errors import Unavailable
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.store import Store
from tests.polling import until

QUEUE = "notification.matches_changed"
ROUTING_KEY = "policy.matches_changed"

metadata = MetaData()
handled = Table("handled_in_test", metadata,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(100), nullable=False))


class Script:
    """What the handler below does with the next batches (set by each test)."""
    unavailable_for: int = 0      # this many batches fail as if a dependency were unreachable
    unavailable = None            # makes the error they fail with
    conflicts_for: int = 0        # then this many batches lose a race on a constraint (gone on the next try)
    poison: frozenset = frozenset()  # event ids whose batch fails, every time
    poison_error = ValueError        # ... with this error
    batches: list = []            # sizes of the batches the handler got
    routing_keys: list = []       # the routing key of each delivery the handler got


class RecordingService:
    name = "notification"   # a service name the database fixtures know (and drop afterwards)
    store = Store()

    @handles(QUEUE)
    def on_messages(self, deliveries):
        Script.batches.append(len(deliveries))
        Script.routing_keys.extend(delivery.routing_key for delivery in deliveries)
        if Script.unavailable_for > 0:
            Script.unavailable_for -= 1
            raise Script.unavailable()
        if Script.conflicts_for > 0:
            Script.conflicts_for -= 1
            raise IntegrityError("INSERT ...", {}, Exception("duplicate key: a concurrent transaction was first"))
        poisoned = [delivery.event_id for delivery in deliveries if delivery.event_id in Script.poison]
        if poisoned:
            raise Script.poison_error(f"cannot handle {poisoned}")
        with self.store.transaction() as tx:
            fresh = [delivery.event_id for delivery in deliveries if tx.first_delivery(delivery.event_id)]
            if fresh:
                tx.session.execute(handled.insert(), [{"event_id": event_id} for event_id in fresh])


@pytest.fixture(autouse=True)
def handled_table(platform_env, schema_templates):
    """The service's database as `huiqi migrate` leaves it, and this test's own table in it."""
    url = settings().database_url_for(RecordingService.name)
    schema_templates(RecordingService.name, url)
    engine = engine_for(url, pool_size=1)
    metadata.create_all(engine)
    engine.dispose()


@pytest.fixture
def quick_pauses(monkeypatch):
    monkeypatch.setattr(failures, "INFRASTRUCTURE_PAUSE_S", (0.05, 0.2))
    Script.unavailable_for, Script.poison, Script.poison_error, Script.batches = 0, frozenset(), ValueError, []
    Script.conflicts_for, Script.routing_keys = 0, []


def publish_numbered(amqp_uri, count: int) -> list[str]:
    ids = [f"m-{number:04d}-{uuid.uuid4().hex[:6]}" for number in range(count)]
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        assert publisher.publish([Outgoing("huiqi.events", ROUTING_KEY, json.dumps({"event_id": event_id}), event_id)
                                  for event_id in ids]) == []
    finally:
        publisher.close()
    return ids


def handled_in_order(container) -> list[str]:
    store = next(dep for dep in container.dependencies if isinstance(dep, Store))
    with store.engine.connect() as connection:
        return connection.execute(select(handled.c.event_id).order_by(handled.c.id)).scalars().all()


def dead_letter_ids(container) -> list[str]:
    store = next(dep for dep in container.dependencies if isinstance(dep, Store))
    return sorted(letter["event_id"] for letter in dead_letters.listing(store.engine))


UNAVAILABLE = {
    "database": lambda: OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "Connection refused")),
    "service": lambda: Unavailable("the policy service did not answer matches within 60 s"),
    "broker": lambda: ConnectionResetError(104, "Connection reset by peer"),
}


@pytest.mark.parametrize("dependency", sorted(UNAVAILABLE))
def test_an_unavailable_dependency_pauses_the_queue_and_loses_no_message_nor_its_order(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, quick_pauses, dependency):
    # more failures in a row than any count of attempts would allow: the outage only lasts longer
    Script.unavailable_for, Script.unavailable = 12, UNAVAILABLE[dependency]
    ids = publish_numbered(amqp_uri, 120)
    container = container_factory(RecordingService, nameko_config)
    container.start()

    until(lambda: len(handled_in_order(container)) == len(ids), timeout=30)
    assert handled_in_order(container) == ids
    assert dead_letter_ids(container) == []
    # the failed batch was tried again whole, not message by message
    assert Script.batches[:13] == [Script.batches[0]] * 13


def test_a_message_that_fails_by_itself_is_the_only_dead_letter_and_the_others_keep_their_order(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, quick_pauses):
    ids = publish_numbered(amqp_uri, 150)
    Script.poison = frozenset({ids[17], ids[90], ids[91]})
    container = container_factory(RecordingService, nameko_config)
    container.start()

    expected = [event_id for event_id in ids if event_id not in Script.poison]
    until(lambda: len(handled_in_order(container)) == len(expected)
             and len(dead_letter_ids(container)) == len(Script.poison))
    assert handled_in_order(container) == expected
    assert dead_letter_ids(container) == sorted(Script.poison)
    # isolating three messages among 150 takes a few halvings, not one handler call per message
    assert len(Script.batches) < 60


def test_a_replayed_dead_letter_reaches_its_handler_with_the_routing_key_it_was_published_with(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, quick_pauses):
    """A replay goes straight to the queue (the default exchange, keyed by the queue's name), yet
    handlers read the event's type from the routing key."""
    ids = publish_numbered(amqp_uri, 1)
    Script.poison = frozenset(ids)
    container = container_factory(RecordingService, nameko_config)
    container.start()
    until(lambda: dead_letter_ids(container) == ids)

    Script.poison, Script.routing_keys = frozenset(), []   # the cause fixed
    store = next(dep for dep in container.dependencies if isinstance(dep, Store))
    assert dead_letters.replay(store.engine, amqp_uri) == 1
    until(lambda: handled_in_order(container) == ids)
    assert Script.routing_keys == [ROUTING_KEY]


def test_a_constraint_a_message_breaks_every_time_is_retried_a_little_then_only_it_is_dead_lettered(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, quick_pauses):
    ids = publish_numbered(amqp_uri, 60)
    Script.poison = frozenset({ids[40]})
    Script.poison_error = lambda text: IntegrityError("INSERT ...", {}, Exception(text))
    container = container_factory(RecordingService, nameko_config)
    container.start()

    expected = [event_id for event_id in ids if event_id != ids[40]]
    until(lambda: len(handled_in_order(container)) == len(expected) and dead_letter_ids(container), timeout=30)
    assert handled_in_order(container) == expected
    assert dead_letter_ids(container) == [ids[40]]


def test_a_race_lost_after_an_outage_is_retried_not_dead_lettered(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, quick_pauses):
    """The tries an outage cost do not count against the few a constraint gets: a batch that waited out
    the database and then lost a race to another lane's insert is tried again, as any lost race is."""
    Script.unavailable_for, Script.unavailable = 6, UNAVAILABLE["database"]
    Script.conflicts_for = 2
    ids = publish_numbered(amqp_uri, 40)
    container = container_factory(RecordingService, nameko_config)
    container.start()

    until(lambda: len(handled_in_order(container)) == len(ids), timeout=30)
    assert handled_in_order(container) == ids
    assert dead_letter_ids(container) == []
    assert Script.batches[:9] == [Script.batches[0]] * 9     # the same batch, whole, every time
