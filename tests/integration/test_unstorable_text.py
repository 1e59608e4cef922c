"""A U+0000 or a lone surrogate in a government message is quarantined at validation, on SQLite and
PostgreSQL (which cannot store them): the rest of its bulk batch is applied, nothing is dead-lettered.
Over HTTP the same message is a 422 naming the field."""
import json

import kombu
import pytest
from sqlalchemy import func, select

from shared import dead_letters
from shared.store import Store
from shared.uscc import complete
from tests.polling import eventually

USCCS = [complete(f"91371625MA3C1234{digit}") for digit in range(5)]


@pytest.fixture
def tagging(container_factory, nameko_config, platform_env, purge_queues):
    from services.tagging.service import TaggingService
    container = container_factory(TaggingService, nameko_config)
    container.start()
    return container


def publish(amqp_uri, routing_key: str, body: dict) -> None:
    with kombu.Connection(amqp_uri) as connection:
        # the body as a JSON text with \\u0000 and \\ud800 escapes, as any JSON publisher writes them
        kombu.Producer(connection.default_channel).publish(
            json.dumps(body), exchange="gov.events", routing_key=routing_key, delivery_mode=2,
            content_type="application/json", content_encoding="utf-8")


def counted(container) -> dict:
    from services.tagging.models import enterprises, quarantine
    engine = next(dep for dep in container.dependencies if isinstance(dep, Store)).engine
    with engine.connect() as connection:
        count = lambda table: connection.execute(select(func.count()).select_from(table)).scalar_one()  # noqa: E731
        return {"enterprises": count(enterprises), "quarantined": count(quarantine),
                "dead_letters": dead_letters.summary(engine)["total"]}


def test_unstorable_text_is_quarantined_per_item_and_the_batch_applied(tagging, amqp_uri):
    occurred = "2026-11-27T09:30:00+08:00"
    publish(amqp_uri, "enterprise.profiles_synced", {
        "event_id": "bulk-nul-1", "source": "tax", "occurred_at": occurred, "profiles": [
            {"sequence": 1, "enterprise": {"uscc": USCCS[0], "name": "甲公司"}},
            {"sequence": 1, "enterprise": {"uscc": USCCS[1], "name": "乙\x00公司"}},
            {"sequence": 1, "enterprise": {"uscc": USCCS[2], "name": "丙\ud800公司"}},
            {"sequence": 1, "enterprise": {"uscc": USCCS[3], "name": "丁公司"}},
        ]})
    publish(amqp_uri, "enterprise.registered", {
        "event_id": "single-\x00-1", "source": "market-regulation", "occurred_at": occurred, "sequence": 1,
        "enterprise": {"uscc": USCCS[4], "name": "戊公司"}})

    def settled() -> None:
        assert counted(tagging) == {"enterprises": 2, "quarantined": 3, "dead_letters": 0}, counted(tagging)
    eventually(settled, timeout=30, interval=0.2)
    from services.tagging.models import quarantine
    engine = next(dep for dep in tagging.dependencies if isinstance(dep, Store)).engine
    with engine.connect() as connection:
        rows = connection.execute(select(quarantine.c.event_id, quarantine.c.item_index, quarantine.c.errors)
                                  .order_by(quarantine.c.id)).all()
    # the two lanes are consumed side by side: either message may be quarantined first
    kept = sorted((row.event_id, -1 if row.item_index is None else row.item_index,
                   [error["field"] for error in row.errors]) for row in rows)
    assert kept == [
        ("bulk-nul-1", 1, ["profiles.1.enterprise.name"]),
        ("bulk-nul-1", 2, ["profiles.2.enterprise.name"]),
        ("single-\\u0000-1", -1, ["event_id"]),
    ]
