"""The outbox relay on a real database and the real broker: events handed over by their transaction
leave in commit order without the table being read, and are deleted soon after; events written
while the broker was unreachable stay in the table and leave first, in order, once it answers."""
from __future__ import annotations

import json
import time
from contextlib import nullcontext

import eventlet
import kombu
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared import messaging_tables as tables
from shared.contracts.events import ApplicationChanged
from shared.logs import get_logger
from shared.publisher import ConfirmingPublisher
from shared.relay import DELETE_DELAY_S, OutboxRelay
from shared.store import Transaction
from shared.topology import PLATFORM_EVENTS
from tests.polling import until

CAPTURE = "test.relay_capture"
UNREACHABLE = "amqp://guest:guest@127.0.0.1:1//"


@pytest.fixture
def engine(service_engine):
    return service_engine("relaytest", "tagging")


@pytest.fixture
def captured(amqp_uri):
    """The application.changed events the broker routes, as the numbers the tests give them."""
    with kombu.Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue = kombu.Queue(CAPTURE, PLATFORM_EVENTS, routing_key=f"{ApplicationChanged.routing_key}.#", durable=False,
                            auto_delete=False)(channel)
        queue.declare()
        queue.purge()

        def taken() -> list[int]:
            numbers = []
            while (message := queue.get(no_ack=True)) is not None:
                numbers.append(json.loads(message.body)["application_id"])
            return numbers

        yield taken
        queue.delete()


def commit(engine, relay: OutboxRelay, *numbers: int) -> None:
    """One transaction emitting an event per number, handed over after its commit as the store does."""
    with Session(engine) as session:
        with session.begin():
            tx = Transaction(session, None, "test", _dialect=engine.dialect.name)
            tx.emit_all([ApplicationChanged(application_id=number, policy_id=1, policy_title="稳岗补贴",
                                            uscc="913716024JURQ28300", action="submit", from_stage=None,
                                            to_stage="acceptance", actor_role="window_clerk")
                         for number in numbers])
        relay.hand_over(tx.outgoing)


def outbox_size(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(tables.outbox)).scalar_one()


class RecordedLog:
    """The relay's log, kept: what it reports is how a test sees it fail and back off."""

    def __init__(self):
        self.events: list[tuple[str, dict]] = []
        self.log = get_logger("test.relay")

    def warning(self, event: str, **fields) -> None:
        self.events.append((event, fields))
        self.log.warning(event, **fields)

    def error(self, event: str, **fields) -> None:
        self.events.append((event, fields))
        self.log.error(event, **fields)

    def pauses(self) -> list[float]:
        """The pause after each failure to publish, in order."""
        return [fields["retry_in_s"] for event, fields in self.events if event == "outbox_relay_failed"]


def relay_for(engine, amqp_uri: str) -> OutboxRelay:
    return OutboxRelay(engine, ConfirmingPublisher(amqp_uri, confirm_timeout_s=5), nullcontext, RecordedLog())


def test_handed_over_events_leave_in_commit_order_and_are_deleted_soon_after(engine, amqp_uri, captured):
    relay = relay_for(engine, amqp_uri)
    relay.drain()          # the table is empty: from now on events come by hand-over
    commit(engine, relay, 1, 2)
    commit(engine, relay, 3)
    with engine.connect() as connection:
        connection.execute(tables.outbox.insert(), [{
            "event_id": "not-handed-over", "exchange": PLATFORM_EVENTS.name, "routing_key": "application.changed",
            "body": "{}", "correlation_id": None, "created_at": __import__("shared.clock").clock.now()}])
        connection.commit()
    relay.step()
    assert captured() == [1, 2, 3]          # the row nobody handed over waits for a scan
    if engine.dialect.name == "postgresql":
        assert outbox_size(engine) == 1     # claimed, sent and deleted in one transaction (replicas share it)
        return
    assert outbox_size(engine) == 4         # sent, not yet deleted
    # what was sent is deleted once DELETE_DELAY_S has passed since the first of it was sent
    until(lambda: relay.step() or outbox_size(engine) == 1, timeout=DELETE_DELAY_S + 5, interval=0.05,
          what="the sent rows to be deleted")
    assert outbox_size(engine) == 1
    relay.publisher.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_replicas_relays_on_one_outbox_send_each_event_once(engine, amqp_uri, captured):
    """Each replica's relay scans the outbox it shares with the others: what one has handed over and
    is sending, or has sent and not yet deleted, the other's scan must leave alone, and the other way
    round (what a scan took, the replica that wrote it must not send again)."""
    mine, other = relay_for(engine, amqp_uri), relay_for(engine, amqp_uri)
    mine.drain()
    other.drain()
    commit(engine, mine, 1, 2)
    other.drain()            # the other replica's scan comes first: it sends them
    mine.step()              # and the replica that wrote them does not again
    commit(engine, mine, 3)
    mine.step()              # sent by the replica that wrote it
    other.drain()            # and not again by the other's scan
    mine.step()
    assert captured() == [1, 2, 3]
    assert outbox_size(engine) == 0
    mine.publisher.close()
    other.publisher.close()


def test_events_written_while_the_broker_is_unreachable_leave_first_and_in_order(engine, amqp_uri, captured):
    relay = relay_for(engine, UNREACHABLE)
    running = [True]
    thread = eventlet.spawn(relay.run, lambda: running[0])
    try:
        commit(engine, relay, 1)
        commit(engine, relay, 2, 3)
        until(relay.log.pauses, what="the relay to try, fail and back off")
        assert captured() == [] and outbox_size(engine) == 3
        relay.publisher.amqp_uri = amqp_uri         # the broker answers again
        commit(engine, relay, 4)
        until(lambda: outbox_size(engine) == 0, timeout=10, interval=0.05, what="the outbox to empty")
        commit(engine, relay, 5)                    # and hand-overs are taken again
        until(lambda: outbox_size(engine) == 0, timeout=10, interval=0.05, what="the hand-over to be sent")
        got = captured()
        assert got == [1, 2, 3, 4, 5], got
    finally:
        running[0] = False
        relay.wake()
        thread.wait()
        relay.publisher.close()


def test_the_relay_stops_at_once_while_the_broker_is_unreachable_and_keeps_what_it_could_not_send(engine):
    relay = relay_for(engine, UNREACHABLE)
    running = [True]
    thread = eventlet.spawn(relay.run, lambda: running[0])
    commit(engine, relay, 1)
    until(lambda: max(relay.log.pauses(), default=0) >= 1.6, timeout=10, interval=0.05,
          what="several failures, the pauses grown to seconds")
    running[0] = False
    stopping = time.monotonic()
    relay.stop()
    with eventlet.Timeout(10):
        thread.wait()
    assert time.monotonic() - stopping < 1.0
    assert outbox_size(engine) == 1             # published at the next start
    relay.publisher.close()
