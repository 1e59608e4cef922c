"""Every consumer in every service's container can stop while the broker is away: one Nameko
QueueConsumer left among them would keep a SIGTERM waiting for the broker (tests/e2e/test_shutdown.py)."""
import importlib

import pytest
from nameko.containers import ServiceContainer
from nameko.messaging import QueueConsumer

from shared.queue_consumer import StoppableQueueConsumer
from tools.launcher import SERVICES


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_queue_consumer_of_a_service_is_stoppable(service):
    module, _, name = SERVICES[service].partition(":")
    container = ServiceContainer(getattr(importlib.import_module(module), name),
                                 {"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672//"})
    consumers = [extension for extension in container.subextensions if isinstance(extension, QueueConsumer)]
    assert consumers, "the service consumes nothing?"
    assert all(isinstance(consumer, StoppableQueueConsumer) for consumer in consumers), consumers
