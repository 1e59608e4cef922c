"""Every exchange, queue and binding of the platform, in one place.

`huiqi declare` (run by `make run` and by deployment before any service starts) declares them
all, so an event published to `gov.events` before any consumer ever started waits in its queue.
Services consume only queues listed here; the README's flow table is this module in prose.
"""
from __future__ import annotations

from dataclasses import dataclass

from kombu import Connection, Exchange, Queue, binding

GOV_EVENTS = Exchange("gov.events", type="topic", durable=True)
PLATFORM_EVENTS = Exchange("huiqi.events", type="topic", durable=True)
EXCHANGES = (GOV_EVENTS, PLATFORM_EVENTS)


@dataclass(frozen=True)
class Route:
    queue: str
    exchange: Exchange
    routing_keys: tuple[str, ...]
    consumer: str  # the service that consumes it
    purpose: str

    def kombu_queue(self) -> Queue:
        return Queue(self.queue, bindings=[binding(self.exchange, routing_key=key) for key in self.routing_keys],
                     durable=True)


ROUTES: dict[str, Route] = {route.queue: route for route in (
    Route("tagging.gov_events", GOV_EVENTS,
          ("enterprise.registered", "enterprise.profile_changed", "enterprise.deregistered",
           "enterprise.profiles_synced"),
          "tagging", "validate, merge and tag enterprise data from other government systems"),
    Route("policy.enterprise_tagged", PLATFORM_EVENTS, ("enterprise.tagged",),
          "policy", "re-match enterprises whose profile or tags changed"),
    # The queue keeps its first name (deployed brokers have it); it now carries every lifecycle step.
    Route("policy.policy_published", PLATFORM_EVENTS,
          ("policy.published", "policy.revised", "policy.withdrawn", "policy.expired"),
          "policy", "re-decide a policy against every enterprise when it is published, revised, withdrawn "
                    "or expires"),
    Route("notification.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "notification", "put each first match in the enterprise's inbox, once"),
    Route("application.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "application", "open a proactive application (免申即享) when a proactive policy newly matches"),
    Route("notification.application_changed", PLATFORM_EVENTS, ("application.changed",),
          "notification", "tell the enterprise what it must do next, and the outcome in one reply"),
)}


def declare(amqp_uri: str) -> list[str]:
    """Declare every exchange, queue and binding (idempotent). Returns what was declared."""
    declared = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for exchange in EXCHANGES:
            exchange(channel).declare()
            declared.append(f"exchange {exchange.name} ({exchange.type})")
        for route in ROUTES.values():
            route.kombu_queue()(channel).declare()
            declared.append(f"queue {route.queue} <- {route.exchange.name} {', '.join(route.routing_keys)}")
        channel.close()
    return declared
