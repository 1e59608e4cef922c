"""Messages published before the tagging service ever ran (contract section 1) are applied when it
first starts: none reaches the handler before the catalogue is seeded, so none is dead-lettered."""
import json

import kombu
from sqlalchemy import func, select

from services.tagging.models import enterprises
from shared import dead_letters
from shared.store import Store
from shared.uscc import complete
from tests.polling import until

USCCS = [complete(f"91371625MA3C{number:05d}") for number in range(40)]


def test_messages_queued_before_the_first_start_are_all_applied(container_factory, nameko_config, platform_env,
                                                                amqp_uri, purge_queues):
    from services.tagging.service import TaggingService
    with kombu.Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = kombu.Producer(connection.default_channel)
        for number, uscc in enumerate(USCCS):
            producer.publish(json.dumps({
                "event_id": f"first-start-{number}", "source": "market-regulation",
                "occurred_at": "2026-11-27T09:30:00+08:00", "sequence": 1, "enterprise": {"uscc": uscc}}),
                exchange="gov.events", routing_key="enterprise.registered", delivery_mode=2,
                content_type="application/json")
    container = container_factory(TaggingService, nameko_config)
    container.start()
    engine = next(dep for dep in container.dependencies if isinstance(dep, Store)).engine

    def settled():
        with engine.connect() as connection:
            applied = connection.execute(select(func.count()).select_from(enterprises)).scalar_one()
        return applied, dead_letters.summary(engine)["total"]

    until(lambda: sum(settled()) >= len(USCCS), timeout=30, what=f"{len(USCCS)} messages handled")
    assert settled() == (len(USCCS), 0)
