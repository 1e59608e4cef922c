"""Every exchange, queue and binding of the platform, in one place.

`huiqi declare` (run by `make run` and by deployment before any service starts) declares them
all, so an event published to `gov.events` before any consumer ever started waits in its queue.
Services consume only queues listed here; the README's flow table is this module in prose.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from kombu import Connection, Exchange, Queue, binding

GOV_EVENTS = Exchange("gov.events", type="topic", durable=True)
PLATFORM_EVENTS = Exchange("huiqi.events", type="topic", durable=True)
# An application's moves are published as `application.changed.<stage it moved to>`, so each consumer
# binds only the moves it needs (`application.changed.#` for all of them).
APPLICATION_MOVES = "application.changed"
# Account changes (a token disabled) for every gateway replica at once: each replica binds a queue of
# its own, exclusive to its connection, so none is declared here (shared.contracts.accounts).
ACCOUNT_CHANGES = Exchange("huiqi.accounts", type="fanout", durable=True)
EXCHANGES = (GOV_EVENTS, PLATFORM_EVENTS, ACCOUNT_CHANGES)


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
          ("policy.published", "policy.revised", "policy.withdrawn", "policy.expired", "policy.started"),
          "policy", "re-decide a policy against every enterprise when it is published, revised, withdrawn, "
                    "expires, or reaches its valid_from day"),
    Route("notification.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "notification", "put each first match in the enterprise's inbox, once"),
    Route("application.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "application", "open a proactive application (免申即享) when a proactive policy newly matches"),
    Route("application.policy_revised", PLATFORM_EVENTS, ("policy.revised",),
          "application", "apply a revised policy's budget to approvals at once"),
    # Only the moves that tell the enterprise something (services.notification.inbox.APPLICATION_NOTICES);
    # the others are not delivered to it at all.
    Route("notification.application_changed", PLATFORM_EVENTS,
          tuple(f"{APPLICATION_MOVES}.{stage}" for stage in ("confirmation", "returned", "completed", "rejected")),
          "notification", "tell the enterprise what it must do next, and the outcome in one reply"),
    # A year's official working-day arrangement, loaded by the city administrator into the application
    # service's register: each service counting working days keeps its copy and counts its due times again.
    Route("application.calendar_loaded", PLATFORM_EVENTS, ("calendar.loaded",),
          "application", "count again the stage due times in a year whose official arrangement was loaded"),
    Route("policy.calendar_loaded", PLATFORM_EVENTS, ("calendar.loaded",),
          "policy", "keep a copy of the loaded arrangement and count again the questions' due times in that year"),
)}


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: words split on dots, `*` is exactly one word, `#` zero or more."""
    def match(pattern_words: list[str], words: list[str]) -> bool:
        if not pattern_words:
            return not words
        head, rest = pattern_words[0], pattern_words[1:]
        if head == "#":
            return any(match(rest, words[skip:]) for skip in range(len(words) + 1))
        return bool(words) and head in ("*", words[0]) and match(rest, words[1:])
    return match(pattern.split("."), routing_key.split("."))


def bound(exchange: str, routing_key: str) -> bool:
    """Whether a queue declared here receives what is published to `exchange` with `routing_key`."""
    return any(route.exchange.name == exchange and any(topic_matches(key, routing_key) for key in route.routing_keys)
               for route in ROUTES.values())


def event_type_of(routing_key: str) -> str:
    """The event type a routing key carries: an application's moves are `application.changed.<stage>`."""
    return APPLICATION_MOVES if routing_key.startswith(APPLICATION_MOVES + ".") else routing_key


@functools.lru_cache(maxsize=1024)  # asked for every event published; the topology never changes while running
def must_route(exchange: str, routing_key: str) -> bool:
    """Whether a publish must reach a queue (AMQP `mandatory`: the broker returns it otherwise).

    Every event must, except an application's move that no queue declared here is bound for: those
    are published for whoever subscribes (`application.changed.#`), and none may. A move the
    topology does route must reach its queue, so an undeclared topology is still caught."""
    if exchange == ACCOUNT_CHANGES.name:
        return False   # a broadcast no gateway replica is listening to has no cache to clear
    # a move's own key (`application.changed.<stage>`), not the bare type an older outbox row may carry
    if exchange == PLATFORM_EVENTS.name and routing_key.startswith(APPLICATION_MOVES + "."):
        return bound(exchange, routing_key)
    return True


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
