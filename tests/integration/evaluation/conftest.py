"""The evaluation service, in this process, on the test session's RabbitMQ virtual host and a fresh database
(SQLite, and PostgreSQL where a test takes `database_url`'s parameters): `evaluation` is the running container,
`rpc` a proxy to it, `bus` publishes platform events and waits until the service has kept them."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import kombu
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.utils import get_extension
from sqlalchemy import func, select

from services.evaluation.models import source_events
from services.evaluation.service import EvaluationService
from shared import clock
from shared.contracts.events import PlatformEvent
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.store import Store
from shared.topology import PLATFORM_EVENTS, lane_key
from tests.polling import until


@pytest.fixture
def evaluation(container_factory, nameko_config, platform_env, purge_queues):
    container = container_factory(EvaluationService, nameko_config)
    container.start()
    return container


@pytest.fixture
def engine(evaluation):
    """The evaluation service's own database."""
    return get_extension(evaluation, Store).engine


@pytest.fixture
def rpc(evaluation, nameko_config):
    with ServiceRpcProxy("evaluation", nameko_config, timeout=20) as proxy:
        yield proxy


class Bus:
    """Publishes platform events to huiqi.events as their producers do, and waits for the service to keep them."""

    def __init__(self, amqp_uri: str, engine):
        self.publisher = ConfirmingPublisher(amqp_uri)
        self.engine = engine

    def publish(self, events: Iterable[PlatformEvent], *, bulk: bool = False) -> None:
        messages = [Outgoing(PLATFORM_EVENTS.name, lane_key(PLATFORM_EVENTS.name, event.published_key(), bulk),
                             event.model_dump_json(), event.event_id) for event in events]
        assert self.publisher.publish(messages) == []

    def kept(self, event_ids: Iterable[str]) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(source_events)
                                      .where(source_events.c.event_id.in_(list(event_ids)))).scalar_one()

    def send(self, *events: PlatformEvent, bulk: bool = False) -> None:
        """Publish `events` and wait until the service has kept every one of them."""
        self.publish(events, bulk=bulk)
        ids = {event.event_id for event in events}
        until(lambda: self.kept(ids) == len(ids), timeout=20, interval=0.05, what="the events kept")

    def close(self) -> None:
        self.publisher.close()


@pytest.fixture
def bus(amqp_uri, engine):
    sender = Bus(amqp_uri, engine)
    yield sender
    sender.close()


@pytest.fixture
def queued(amqp_uri):
    """`queued("notification.survey_opened")`: the bodies waiting on a platform queue, taken off it."""
    def take(queue: str) -> list[str]:
        bodies = []
        with kombu.Connection(amqp_uri) as connection:
            channel = connection.channel()
            while (message := channel.basic_get(queue, no_ack=True)) is not None:
                bodies.append(message.body)
        return bodies
    return take



@pytest.fixture
def set_clock(time_travel):
    """`set_clock(instant)`: the platform's clock (the service's, in this process) reads `instant` now."""
    def set_to(instant):
        clock.set_offset(timedelta(0))
        time_travel(instant - clock.now())
    return set_to
