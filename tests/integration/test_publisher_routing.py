"""On the real broker: an application's move that no queue of the platform is bound for is confirmed and
dropped, not a dead letter; one the topology routes must still reach its queue."""
import json

import kombu

from shared import topology
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import PLATFORM_EVENTS


def _outgoing(stage: str, number: int) -> Outgoing:
    return Outgoing(PLATFORM_EVENTS.name, f"application.changed.{stage}", json.dumps({"n": number}), f"move-{number}")


def _waiting(amqp_uri: str, queue: str) -> int:
    with kombu.Connection(amqp_uri) as connection:
        return connection.channel().queue_declare(queue, passive=True).message_count


def test_a_move_nobody_is_bound_for_is_confirmed_and_a_bound_one_reaches_its_queue(amqp_uri):
    publisher = ConfirmingPublisher(amqp_uri, confirm_timeout_s=5)
    try:
        assert publisher.publish([_outgoing("review", 1), _outgoing("completed", 2)]) == []
    finally:
        publisher.close()
    assert _waiting(amqp_uri, "notification.application_changed") == 1


def test_a_move_the_topology_routes_is_returned_when_its_queue_is_missing(amqp_uri):
    with kombu.Connection(amqp_uri) as connection:
        connection.channel().queue_delete("notification.application_changed")   # as if never declared
    publisher = ConfirmingPublisher(amqp_uri, confirm_timeout_s=5)
    try:
        unroutable = publisher.publish([_outgoing("review", 1), _outgoing("completed", 2)])
    finally:
        publisher.close()
        topology.declare(amqp_uri)   # the vhost is the session's: later tests need the queue back
    assert [lost.message.message_id for lost in unroutable] == ["move-2"]
    assert "application.changed.completed" in unroutable[0].reason
