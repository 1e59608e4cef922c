"""A service process whose handler ends the process (`os._exit`, as an out-of-memory kill or a crash
in a C library would: no exception, nothing recorded) when a message's body asks it to, and otherwise
appends the event ids it handled to a file. `python -m tests.integration.crashing_consumer FILE`, with
HUIQI_AMQP_URI and HUIQI_DATABASE_URL set; `@handles` consumes QUEUE as every service does."""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import os  # noqa: E402 - after monkey patching, as nameko's runner does
import sys  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402

from shared import migrations  # noqa: E402
from shared.config import settings  # noqa: E402
from shared.consumer import handles  # noqa: E402
from shared.store import Store  # noqa: E402

QUEUE = "notification.matches_changed"
KILLED = 70


class CrashingService:
    name = "notification"
    store = Store()

    @handles(QUEUE)
    def on_messages(self, deliveries):
        for delivery in deliveries:
            if isinstance(delivery.body, dict) and delivery.body.get("kill"):
                os._exit(KILLED)
        with open(sys.argv[1], "a", encoding="utf-8") as handled:
            handled.writelines(f"{delivery.event_id}\n" for delivery in deliveries)


if __name__ == "__main__":
    migrations.migrate(CrashingService.name, settings().database_url_for(CrashingService.name))  # as ops would
    container = ServiceContainer(CrashingService, {"AMQP_URI": settings().amqp_uri, "serializer": "json"})
    container.start()
    container.wait()
