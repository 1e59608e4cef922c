"""On the real broker: `huiqi declare` routes single changes and bulk batches published to
gov.events before any service ever started to separate queues, and declaring again changes nothing."""
import json

import pytest

from shared import topology
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import GOV_EVENTS
from tests.broker import fresh_vhost, taken_off


@pytest.fixture
def broker():
    with fresh_vhost("huiqi-test-lanes") as uri:
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
    return {name: [json.loads(message.body)["n"] for message in taken_off(uri, name)]
            for name in ("tagging.gov_events", "tagging.gov_events.bulk")}


def test_declare_gives_bulk_batches_a_queue_of_their_own(broker):
    topology.declare(broker)
    _publish(broker, "enterprise.profiles_synced", 1)
    _publish(broker, "enterprise.registered", 2)
    topology.declare(broker)   # again, as every deployment does: no error, nothing waiting lost
    _publish(broker, "enterprise.profile_changed", 3)
    _publish(broker, "enterprise.profiles_synced", 4)

    assert _waiting(broker) == {"tagging.gov_events": [2, 3], "tagging.gov_events.bulk": [1, 4]}
