"""On the real broker: `huiqi declare` on a broker an earlier release declared (one gov.events
queue for every key) moves the bulk key to the bulk lane's queue, keeps what already waits in the
old queue, and routes single changes and bulk batches to separate queues from then on."""
import json

import kombu
import pytest

from shared import topology
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import GOV_EVENTS
from tests.broker import fresh_vhost


@pytest.fixture
def earlier_broker():
    """A vhost as the earlier release left it: tagging.gov_events bound to all four keys."""
    with fresh_vhost("huiqi-test-lanes") as uri:
        with kombu.Connection(uri) as connection:
            channel = connection.channel()
            GOV_EVENTS(channel).declare()
            kombu.Queue("tagging.gov_events", durable=True, bindings=[
                kombu.binding(GOV_EVENTS, routing_key=key) for key in
                ("enterprise.registered", "enterprise.profile_changed", "enterprise.deregistered",
                 "enterprise.profiles_synced")])(channel).declare()
        yield uri


def _publish(uri: str, routing_key: str, number: int) -> None:
    publisher = ConfirmingPublisher(uri, confirm_timeout_s=5)
    try:
        assert publisher.publish([Outgoing(GOV_EVENTS.name, routing_key, json.dumps({"n": number}),
                                           f"lanes-{number}")]) == []
    finally:
        publisher.close()


def _waiting(uri: str) -> dict[str, list[int]]:
    """Each gov.events queue's messages, in order (taken off the queue)."""
    found = {}
    with kombu.Connection(uri) as connection:
        channel = connection.channel()
        for name in ("tagging.gov_events", "tagging.gov_events.bulk"):
            bodies = []
            while (message := kombu.Queue(name, channel=channel).get(no_ack=True)) is not None:
                bodies.append(json.loads(message.body)["n"])
            found[name] = bodies
    return found


def test_declare_moves_the_bulk_key_to_its_own_queue_and_keeps_what_waits(earlier_broker):
    _publish(earlier_broker, "enterprise.profiles_synced", 1)     # queued under the earlier release

    declared = topology.declare(earlier_broker)
    assert any(line.startswith("retired binding tagging.gov_events <- gov.events enterprise.profiles_synced")
               for line in declared)
    topology.declare(earlier_broker)   # again, as every deployment does: no error

    _publish(earlier_broker, "enterprise.profiles_synced", 2)
    _publish(earlier_broker, "enterprise.profile_changed", 3)
    assert _waiting(earlier_broker) == {"tagging.gov_events": [1, 3], "tagging.gov_events.bulk": [2]}
