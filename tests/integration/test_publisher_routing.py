"""On the real broker: every application move must reach a queue (the evaluation service hears them
all, the notification service the ones it tells the enterprise); one whose queues are missing is
returned by the broker, not silently dropped."""
import json

import kombu

from shared import topology
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import PLATFORM_EVENTS


def _outgoing(stage: str, number: int) -> Outgoing:
    return Outgoing(PLATFORM_EVENTS.name, f"application.changed.{stage}", json.dumps({"n": number}), f"move-{number}")


def _taken(amqp_uri: str, queue: str) -> list[int]:
    """The queue's messages, taken off it."""
    with kombu.Connection(amqp_uri) as connection:
        channel, found = connection.channel(), []
        while (message := kombu.Queue(queue, channel=channel).get(no_ack=True)) is not None:
            found.append(json.loads(message.body)["n"])
        return found


def test_every_move_reaches_the_evaluation_service_and_the_ones_it_tells_the_notification_service(
        amqp_uri, purge_queues):
    publisher = ConfirmingPublisher(amqp_uri, confirm_timeout_s=5)
    try:
        assert publisher.publish([_outgoing("review", 1), _outgoing("completed", 2)]) == []
    finally:
        publisher.close()
    assert _taken(amqp_uri, "evaluation.application_changed") == [1, 2]
    assert _taken(amqp_uri, "notification.application_changed") == [2]


def test_a_move_whose_queue_is_missing_is_returned(amqp_uri, purge_queues):
    with kombu.Connection(amqp_uri) as connection:
        connection.channel().queue_delete("evaluation.application_changed")   # as if never declared
    publisher = ConfirmingPublisher(amqp_uri, confirm_timeout_s=5)
    try:
        unroutable = publisher.publish([_outgoing("review", 1), _outgoing("completed", 2)])
    finally:
        publisher.close()
        topology.declare(amqp_uri)   # the vhost is the session's: later tests need the queue back
    assert [lost.message.message_id for lost in unroutable] == ["move-1"]
    assert "application.changed.review" in unroutable[0].reason
    assert _taken(amqp_uri, "notification.application_changed") == [2]
