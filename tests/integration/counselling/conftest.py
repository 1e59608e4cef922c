"""The counselling service, in this process, on the test session's RabbitMQ virtual host and a fresh database;
the real gateway and accounts service in front of it (tests/integration/conftest.py), so that teams, tokens
and the 403s are the platform's own. `bus` publishes platform events as their producers do."""
from __future__ import annotations

from collections.abc import Iterable

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.utils import get_extension

from services.counselling.service import CounsellingService
from shared.contracts.events import PlatformEvent
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.store import Store
from shared.topology import PLATFORM_EVENTS, lane_key


@pytest.fixture
def counselling(quick_consumers, container_factory, nameko_config, platform_env, purge_queues):
    container = container_factory(CounsellingService, nameko_config)
    container.start()
    return container


@pytest.fixture
def engine(counselling):
    return get_extension(counselling, Store).engine


@pytest.fixture
def rpc(counselling, nameko_config):
    with ServiceRpcProxy("counselling", nameko_config, timeout=20) as proxy:
        yield proxy


@pytest.fixture
def platform(counselling, accounts_service, gateway):
    """The gateway's base URL, with the real counselling and accounts services behind it."""
    return gateway


class Bus:
    def __init__(self, amqp_uri: str):
        self.publisher = ConfirmingPublisher(amqp_uri)

    def publish(self, *events: PlatformEvent, bulk: bool = False) -> None:
        messages = [Outgoing(PLATFORM_EVENTS.name, lane_key(PLATFORM_EVENTS.name, event.published_key(), bulk),
                             event.model_dump_json(), event.event_id) for event in events]
        assert self.publisher.publish(messages) == []

    def close(self) -> None:
        self.publisher.close()


@pytest.fixture
def bus(amqp_uri) -> Iterable[Bus]:
    sender = Bus(amqp_uri)
    yield sender
    sender.close()
