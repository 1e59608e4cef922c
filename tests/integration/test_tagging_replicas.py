"""Two replicas of the tagging service apply one enterprise's messages in the order they were
published: a message applied after a later one of its source is stale (recorded, not applied) and
its fields are lost.

To make the reordering certain rather than likely, the test holds one enterprise's file locked
(FOR UPDATE) and publishes that enterprise's change first, another enterprise's next, then two
changes (sequences 2 and 3) of each other enterprise. Round-robin over two consumers hands the
replica holding the locked change every sequence 2 as well, while the other replica applies every
sequence 3: then each sequence 2 would be stale. The queue's single active consumer
(docs/scaling.md, "Replicas and ordering") hands everything to one replica, in order, the other
waiting to take over."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select, text

from services.tagging.models import enterprises, stale_messages
from shared import messaging_tables
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import GOV_EVENTS
from shared.uscc import complete
from tests.broker import rabbitmqctl
from tests.polling import until

pytestmark = pytest.mark.postgres
ENTERPRISES = 100
QUEUE = "tagging.gov_events"


def change(uscc: str, sequence: int, fields: dict) -> Outgoing:
    event_id = f"{uscc}-{sequence}"
    routing_key = "enterprise.registered" if sequence == 1 else "enterprise.profile_changed"
    return Outgoing(GOV_EVENTS.name, routing_key, json.dumps({
        "event_id": event_id, "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
        "sequence": sequence, "enterprise": {"uscc": uscc, **fields}}, ensure_ascii=False), event_id)


def waiting_consumers(amqp_uri: str) -> int:
    """Consumers of the queue the broker holds back (single active consumer: all but one)."""
    listing = rabbitmqctl("list_consumers", "-p", amqp_uri.rsplit("/", 1)[1], "--no-table-headers",
                          "queue_name", "active")
    return sum(1 for line in listing.splitlines() if line.split() == [QUEUE, "false"])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_replicas_apply_an_enterprises_messages_in_order(container_factory, nameko_config, platform_env,
                                                             amqp_uri, purge_queues, database_url):
    from services.tagging.service import TaggingService

    for _ in range(2):
        container_factory(TaggingService, nameko_config).start()
    locked, filler, *usccs = [complete(f"91371625RT3C{number:05d}") for number in range(ENTERPRISES + 2)]
    engine = create_engine(database_url.format(service="tagging"))
    inbox = messaging_tables.inbox

    def handled() -> int:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(inbox)
                                      .where(inbox.c.consumer == "tagging.on_gov_event")).scalar_one()

    def waiting_on_locks() -> int:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND "
                                           "wait_event_type = 'Lock'"), {"name": engine.url.database}).scalar_one()

    publisher = ConfirmingPublisher(amqp_uri)
    try:
        assert publisher.publish([change(uscc, 1, {"name": f"企业{number}"})
                                  for number, uscc in enumerate([locked, filler, *usccs])]) == []
        until(lambda: handled() == ENTERPRISES + 2, timeout=60, what="every enterprise registered")
        with engine.connect() as holder, holder.begin():
            holder.execute(select(enterprises.c.uscc).where(enterprises.c.uscc == locked).with_for_update())
            assert publisher.publish([change(locked, 2, {"employees": 1}), change(filler, 2, {"employees": 1})] + [
                message for number, uscc in enumerate(usccs)
                for message in (change(uscc, 2, {"employees": number + 1}),
                                change(uscc, 3, {"name": f"企业{number}乙"}))]) == []
            until(waiting_on_locks, what="the locked enterprise's change waits")
            # the other replica has applied what it was handed, or the broker holds it back
            until(lambda: handled() == (ENTERPRISES + 2) + (ENTERPRISES + 1) or waiting_consumers(amqp_uri),
                  timeout=60, what="the other replica done or waiting")
        until(lambda: handled() == 3 * ENTERPRISES + 4, timeout=60, what="every message handled")
    finally:
        publisher.close()

    with engine.connect() as connection:
        stale = connection.execute(select(stale_messages.c.uscc, stale_messages.c.sequence)).all()
        profiles = dict(connection.execute(select(enterprises.c.uscc, enterprises.c.profile)).all())
    engine.dispose()
    assert stale == []
    assert {uscc: (profiles[uscc].get("employees"), profiles[uscc].get("name")) for uscc in usccs} == {
        uscc: (number + 1, f"企业{number}乙") for number, uscc in enumerate(usccs)}
