"""The messaging guarantees, shown with the notification service on the real broker and databases."""
import json

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select

from shared import dead_letters, messaging_tables
from shared.contracts.events import MatchesChanged
from shared.publisher import ConfirmingPublisher, Outgoing

USCC = "913716024JURQ28300"


def publish(amqp_uri, *events_or_bodies, routing_key=MatchesChanged.routing_key):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        messages = []
        for item in events_or_bodies:
            body = item.model_dump_json() if hasattr(item, "model_dump_json") else item
            event_id = item.event_id if hasattr(item, "event_id") else json.loads(body).get("event_id", "x")
            messages.append(Outgoing("huiqi.events", routing_key, body, event_id))
        assert publisher.publish(messages) == []
    finally:
        publisher.close()


@pytest.fixture
def notification(container_factory, nameko_config, platform_env, purge_queues):
    from services.notification.service import NotificationService

    container = container_factory(NotificationService, nameko_config)
    return container


def store_of(container):
    from shared.store import Store
    return next(dep for dep in container.dependencies if isinstance(dep, Store))


def inbox_size(container) -> int:
    from services.notification.models import notifications
    with store_of(container).engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(notifications)).scalar_one()


def test_the_same_event_twice_has_one_effect(notification, amqp_uri):
    notification.start()
    event = MatchesChanged(matched={7: [USCC]}, titles={7: "稳岗补贴"})
    with entrypoint_waiter(notification, "on_matches_changed", timeout=10):
        publish(amqp_uri, event)
    with entrypoint_waiter(notification, "on_matches_changed", timeout=10):
        publish(amqp_uri, event)
    assert inbox_size(notification) == 1


def test_a_second_event_for_the_same_match_adds_no_notification(notification, amqp_uri):
    notification.start()
    for _ in range(2):
        with entrypoint_waiter(notification, "on_matches_changed", timeout=10):
            publish(amqp_uri, MatchesChanged(matched={7: [USCC]}, titles={7: "稳岗补贴"}))
    assert inbox_size(notification) == 1


def test_a_failing_handler_keeps_the_message_with_its_reason_and_replay_recovers_it(notification, amqp_uri):
    notification.start()
    bad = json.dumps({"event_id": "bad-1", "matched": {"not-a-number": [USCC]}})
    with entrypoint_waiter(notification, "on_matches_changed", timeout=10):
        publish(amqp_uri, bad)
    engine = store_of(notification).engine
    [letter] = dead_letters.listing(engine)
    assert letter["queue"] == "notification.matches_changed"
    assert letter["event_id"] == "bad-1"
    assert "matched" in letter["error"] and "ValidationError" in letter["traceback"]
    assert json.loads(letter["body"]) == json.loads(bad)
    assert dead_letters.summary(engine) == {"total": 1, "waiting": 1}

    # once the cause is fixed (here: the replay carries the same body, so it fails again, and
    # is kept again, never lost), a replay puts it back on its queue
    with entrypoint_waiter(notification, "on_matches_changed", timeout=10):
        assert dead_letters.replay(engine, amqp_uri) == 1
    assert dead_letters.summary(engine) == {"total": 2, "waiting": 1}


def test_events_published_before_the_consumer_ever_started_are_handled(container_factory, nameko_config,
                                                                      platform_env, amqp_uri, purge_queues):
    from services.notification.service import NotificationService

    publish(amqp_uri, MatchesChanged(matched={1: [USCC], 2: [USCC]}, titles={1: "一", 2: "二"}))
    container = container_factory(NotificationService, nameko_config)
    with entrypoint_waiter(container, "on_matches_changed", timeout=10):
        container.start()
    assert inbox_size(container) == 2


def test_the_outbox_keeps_events_until_the_broker_confirms_them(container_factory, nameko_config, platform_env,
                                                                amqp_uri, purge_queues):
    """An event whose routing key no queue is bound to is not lost: it becomes a dead letter."""
    from services.notification.service import NotificationService

    container = container_factory(NotificationService, nameko_config)
    container.start()
    store = store_of(container)
    with store.engine.begin() as connection:
        connection.execute(messaging_tables.outbox.insert(), [{
            "event_id": "lost-1", "exchange": "huiqi.events", "routing_key": "nobody.listens",
            "body": "{}", "correlation_id": None, "created_at": __import__("shared.clock").clock.now()}])
    assert store.flush_outbox() == 1
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(messaging_tables.outbox)).scalar_one() == 0
    [letter] = dead_letters.listing(store.engine)
    assert letter["queue"] == dead_letters.UNROUTABLE and "nobody.listens" in letter["error"]
