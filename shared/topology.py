"""Every exchange, queue and binding of the platform, in one place.

`huiqi declare` (run by `make run` and by deployment before any service starts) declares them
all, so an event published to `gov.events` before any consumer ever started waits in its queue.
Services consume only queues listed here; the README's flow table is this module in prose.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import amqp.exceptions
from kombu import Connection, Exchange, Queue, binding

from shared.contracts.applications import Stage

GOV_EVENTS = Exchange("gov.events", type="topic", durable=True)
PLATFORM_EVENTS = Exchange("huiqi.events", type="topic", durable=True)
# An application's moves are published as `application.changed.<stage it moved to>`, so each consumer
# binds only the moves it needs (`application.changed.#` for all of them).
APPLICATION_MOVES = "application.changed"
# Account changes (a token disabled) for every gateway replica at once: each replica binds a queue of
# its own, exclusive to its connection, so none is declared here (shared.contracts.accounts).
ACCOUNT_CHANGES = Exchange("huiqi.accounts", type="fanout", durable=True)
# Where the broker puts a message delivered more than DELIVERY_LIMIT times without being settled
# (one that keeps killing its consumer before the handler can record a dead letter): routed by the
# consuming service's name to its parking queue, `huiqi.parked.<service>` (`huiqi parked`).
PARKING = Exchange("huiqi.dead", type="direct", durable=True)
EXCHANGES = (GOV_EVENTS, PLATFORM_EVENTS, ACCOUNT_CHANGES, PARKING)
PARKED = "huiqi.parked."

# Every platform queue is a quorum queue (replicated, fsynced: survives the loss of a broker node of
# a cluster). A quorum queue counts, per message, how often it went back to the queue unsettled:
# our own requeue of what a stopping consumer held, and every message a consumer held when its
# connection closed (a stop, a crash, kill -9, a lost connection). Our consumer never requeues a
# failing message (an outage holds the batch in place; a message's own failure becomes a dead
# letter), so a healthy message is counted only once per stop, crash or lost connection that finds
# it among the PREFETCH unsettled messages at the head of its queue. 20 such events for one message
# means a queue stuck through 20 restarts or broker disconnections: beyond any outage we plan for.
# A message whose handling kills the process (memory, a C library, a liveness kill) reaches it after
# 21 crashes, and is parked instead of stopping its queue for good (docs/reliability.md).
DELIVERY_LIMIT = 20
QUORUM = {"x-queue-type": "quorum"}


@dataclass(frozen=True)
class Broadcast:
    """A fanout that every process of `consumer` hears on a queue of its own, `<queue_prefix><uuid>`,
    exclusive to its connection: each process declares it as it listens, `huiqi declare` never does."""

    exchange: Exchange
    routing_key: str
    publisher: str
    consumer: str
    queue_prefix: str
    purpose: str


ACCOUNT_BROADCAST = Broadcast(ACCOUNT_CHANGES, "account.changed", "accounts (through its outbox)", "gateway",
                              "gateway.accounts.", "every replica forgets the account's cached tokens at once")
BROADCASTS = (ACCOUNT_BROADCAST,)


# Live and bulk lanes. A single enterprise's change (and whatever it causes downstream) travels in
# the live lane; a bulk synchronisation, a re-tag job and a policy's fan-out to every enterprise in
# the bulk lane: at each hop that carries both, the bulk lane is a queue of its own
# (`<live queue>.bulk`, its events published as `<key>.bulk`), consumed by the same handler through
# a consumer of its own, so a live change never waits behind queued bulk batches, only behind the
# one bulk transaction in progress (docs/lanes.md).
BULK = ".bulk"


@dataclass(frozen=True)
class Route:
    queue: str
    exchange: Exchange
    routing_keys: tuple[str, ...]
    consumer: str  # the service that consumes it
    purpose: str
    bulk: bool = False  # the bulk lane: what its handler causes is published in the bulk lane too
    # One consumer at a time, whatever the replicas (RabbitMQ's single active consumer: the others wait
    # and take over when it goes): for the queues whose handler depends on the order of one enterprise's
    # messages (docs/scaling.md, "Replicas and ordering").
    ordered: bool = False

    def kombu_queue(self) -> Queue:
        """The queue with its bindings and arguments: `huiqi declare` and the consumer declare it alike
        (a declaration with other arguments is refused by the broker, 406 PRECONDITION_FAILED)."""
        return Queue(self.queue, bindings=[binding(self.exchange, routing_key=key) for key in self.routing_keys],
                     durable=True, queue_arguments=self.arguments())

    def arguments(self) -> dict:
        return {**QUORUM, "x-delivery-limit": DELIVERY_LIMIT,
                "x-dead-letter-exchange": PARKING.name, "x-dead-letter-routing-key": self.consumer,
                # at-least-once: the broker keeps a message until its parking queue confirmed it (the
                # default drops it if that fails); the broker requires reject-publish overflow for it,
                # which only matters under a length limit (we set none)
                "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
                **({"x-single-active-consumer": True} if self.ordered else {})}


ROUTES: dict[str, Route] = {route.queue: route for route in (
    Route("tagging.gov_events", GOV_EVENTS,
          ("enterprise.registered", "enterprise.profile_changed", "enterprise.deregistered"),
          "tagging", "validate, merge and tag a single enterprise's data from another government system",
          ordered=True),
    Route("tagging.gov_events.bulk", GOV_EVENTS, ("enterprise.profiles_synced",),
          "tagging", "validate, merge and tag a bulk synchronisation, one batch at a time (bulk lane)", bulk=True,
          ordered=True),
    Route("policy.enterprise_tagged", PLATFORM_EVENTS, ("enterprise.tagged",),
          "policy", "re-match enterprises whose profile or tags changed"),
    Route("policy.enterprise_tagged.bulk", PLATFORM_EVENTS, ("enterprise.tagged" + BULK,),
          "policy", "re-match enterprises a bulk synchronisation or a re-tag job changed (bulk lane)", bulk=True),
    # Every step of a policy's lifecycle, one queue: each re-decides the policy against every enterprise.
    Route("policy.policy_changed", PLATFORM_EVENTS,
          ("policy.published", "policy.revised", "policy.withdrawn", "policy.expired", "policy.started"),
          "policy", "re-decide a policy against every enterprise when it is published, revised, withdrawn, "
                    "expires, or reaches its valid_from day"),
    Route("tagging.policy_changed", PLATFORM_EVENTS,
          ("policy.published", "policy.revised", "policy.withdrawn", "policy.expired"),
          "tagging", "keep which tags published policies use: a tag one of them uses is not retired"),
    Route("notification.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "notification", "put each first match in the enterprise's inbox, once"),
    Route("notification.matches_changed.bulk", PLATFORM_EVENTS, ("policy.matches_changed" + BULK,),
          "notification", "the same for matches from bulk work and from a policy's fan-out (bulk lane)", bulk=True),
    Route("application.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "application", "open a proactive application (免申即享) when a proactive policy newly matches"),
    Route("application.policy_revised", PLATFORM_EVENTS, ("policy.revised",),
          "application", "apply a revised policy's budget to approvals at once"),
    Route("application.matches_changed.bulk", PLATFORM_EVENTS, ("policy.matches_changed" + BULK,),
          "application", "the same for matches from bulk work and from a policy's fan-out (bulk lane)", bulk=True),
    # Only the moves that tell the enterprise something (services.notification.inbox.APPLICATION_NOTICES);
    # the others are not delivered to it at all.
    Route("notification.application_changed", PLATFORM_EVENTS,
          tuple(f"{APPLICATION_MOVES}.{stage}"
                for stage in (Stage.confirmation, Stage.returned, Stage.completed, Stage.rejected)),
          "notification", "tell the enterprise what it must do next, and the outcome in one reply"),
    # A year's official working-day arrangement, loaded by the city administrator into the application
    # service's register: each service counting working days keeps its copy and counts its due times again.
    Route("application.calendar_loaded", PLATFORM_EVENTS, ("calendar.loaded",),
          "application", "count again the stage due times in a year whose official arrangement was loaded"),
    Route("policy.calendar_loaded", PLATFORM_EVENTS, ("calendar.loaded",),
          "policy", "keep a copy of the loaded arrangement and count again the questions' due times in that year"),
    # The evaluation service keeps its own facts of what happened, from these events only (contract section 9).
    Route("evaluation.enterprise_tagged", PLATFORM_EVENTS, ("enterprise.tagged",),
          "evaluation", "keep each enterprise's declared interests (interest.* tags) for supply match"),
    Route("evaluation.enterprise_tagged.bulk", PLATFORM_EVENTS, ("enterprise.tagged" + BULK,),
          "evaluation", "the same for bulk synchronisations and re-tag jobs (bulk lane)", bulk=True),
    Route("evaluation.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "evaluation", "keep which enterprises each policy matched, and when"),
    Route("evaluation.matches_changed.bulk", PLATFORM_EVENTS, ("policy.matches_changed" + BULK,),
          "evaluation", "the same for matches from bulk work and from a policy's fan-out (bulk lane)", bulk=True),
    Route("evaluation.policy_changed", PLATFORM_EVENTS,
          ("policy.published", "policy.revised", "policy.withdrawn", "policy.expired", "policy.started"),
          "evaluation", "keep each policy's department, level, county and when it was in force"),
    Route("evaluation.application_changed", PLATFORM_EVENTS, (f"{APPLICATION_MOVES}.*",),
          "evaluation", "keep every application's stages, whether each finished on time, and how it ended"),
    Route("evaluation.question_changed", PLATFORM_EVENTS, ("question.asked", "question.answered"),
          "evaluation", "keep which questions were answered on time"),
    Route("evaluation.notification_changed", PLATFORM_EVENTS, ("notification.delivered", "notification.read"),
          "evaluation", "count the enterprises notified of each policy and those who read it"),
    Route("evaluation.calendar_loaded", PLATFORM_EVENTS, ("calendar.loaded",),
          "evaluation", "keep a copy of the loaded arrangement and count again the follow-ups' due times"),
    # The counselling service keeps what a financing plan lists and what the ledger names (contract section 10).
    Route("counselling.enterprise_tagged", PLATFORM_EVENTS, ("enterprise.tagged",),
          "counselling", "keep each enterprise's name and whether it declared a financing interest"),
    Route("counselling.enterprise_tagged.bulk", PLATFORM_EVENTS, ("enterprise.tagged" + BULK,),
          "counselling", "the same for bulk synchronisations and re-tag jobs (bulk lane)", bulk=True),
    Route("counselling.matches_changed", PLATFORM_EVENTS, ("policy.matches_changed",),
          "counselling", "keep which enterprises each policy matches now, for the financing plans"),
    Route("counselling.matches_changed.bulk", PLATFORM_EVENTS, ("policy.matches_changed" + BULK,),
          "counselling", "the same for matches from bulk work and from a policy's fan-out (bulk lane)", bulk=True),
    Route("counselling.policy_changed", PLATFORM_EVENTS,
          ("policy.published", "policy.revised", "policy.withdrawn", "policy.expired"),
          "counselling", "keep which policies are in force and which are financing policies"),
    Route("evaluation.counselling_changed", PLATFORM_EVENTS,
          ("counselling.problem_raised", "counselling.problem_answered", "counselling.problem_resolved",
           "counselling.plan_changed"),
          "evaluation", "keep counsellors' problems (answered in 24 hours, resolved) and plans (financing "
                        "coordinated) for counties' feedback responsiveness"),
    Route("notification.survey_opened", PLATFORM_EVENTS, ("evaluation.survey_opened",),
          "notification", "put a round's questionnaire in the inbox of every enterprise in its scope, once"),
    # Staff alarms beyond GET /api/v1/alarms (contract section 11): the notification service keeps a copy of
    # staff accounts' scope and contacts, and sends each alarm to the staff it is for, once.
    Route("notification.staff_changed", PLATFORM_EVENTS, ("account.staff_changed",),
          "notification", "keep each staff account's role, scope, phone and e-mail: who an alarm reaches"),
    Route("notification.alarm_raised", PLATFORM_EVENTS, ("alarm.raised",),
          "notification", "send each staff alarm to the responsible staff by SMS and e-mail, and to the "
          "WeChat group, once"),
)}


def parking_queue(service: str) -> Queue:
    """Where the broker parks the messages of `service`'s queues that reached the delivery limit."""
    return Queue(PARKED + service, exchange=PARKING, routing_key=service, durable=True, queue_arguments=QUORUM)


def consumers() -> list[str]:
    """Every service that consumes a platform queue."""
    return sorted({route.consumer for route in ROUTES.values()})


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
    """The event type a routing key carries: an application's moves are `application.changed.<stage>`,
    an event in the bulk lane is `<type>.bulk`."""
    if routing_key.startswith(APPLICATION_MOVES + "."):
        return APPLICATION_MOVES
    return routing_key.removesuffix(BULK)


def in_bulk_lane(queue: str) -> bool:
    """Whether what arrives on `queue` is bulk work (then what its handler causes is bulk work too)."""
    return ROUTES[queue].bulk


@functools.lru_cache(maxsize=256)
def lane_key(exchange: str, routing_key: str, bulk: bool) -> str:
    """The routing key to publish an event under: `<key>.bulk` for bulk work where a bulk lane is
    bound for it, the key itself otherwise (a hop with one queue has one lane)."""
    return routing_key + BULK if bulk and bound(exchange, routing_key + BULK) else routing_key


def must_route(exchange: str, routing_key: str) -> bool:
    """Whether a publish must reach a queue (AMQP `mandatory`: the broker returns it otherwise).

    Every event on huiqi.events must (the evaluation service hears every application move, so no
    move goes unheard either); an account broadcast no gateway replica is listening to has no cache
    to clear, and may."""
    return exchange != ACCOUNT_CHANGES.name


class QueuesOutdated(Exception):
    """Queues that exist with other arguments than declared here (a classic queue of an earlier
    release, say): the broker refuses to redeclare them, and only a migration changes them."""

    def __init__(self, queues: list[str]):
        super().__init__(
            f"{len(queues)} queue(s) exist with other arguments than this release declares (classic queues of "
            f"an earlier release, or a migration left unfinished): {', '.join(queues)}. Stop every service, "
            "then run `huiqi declare --migrate`: it moves each queue's messages to a quorum queue of the same "
            "name, losing none (docs/operations.md).")
        self.queues = queues


def declare(amqp_uri: str, *, migrate: bool = False) -> list[str]:
    """Declare every exchange, queue and binding (idempotent). Returns what was declared.

    A platform queue that exists with other arguments is left alone and reported (`QueuesOutdated`,
    raised once everything else is declared), or with `migrate` moved to one declared as here
    (`shared.queue_migration`; the services must be stopped)."""
    from shared import queue_migration  # imports this module

    declared, outdated = [], []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for exchange in EXCHANGES:
            exchange(channel).declare()
            declared.append(f"exchange {exchange.name} ({exchange.type})")
        for service in consumers():
            parking_queue(service)(channel).declare()
            declared.append(f"queue {PARKED}{service} <- {PARKING.name} {service} (parked messages)")
        look_for_unfinished = not migrate and queue_migration.interrupted(connection)
        if migrate:
            queue_migration.begin(connection)
        for route in ROUTES.values():
            if migrate:
                moved = queue_migration.migrate(connection, route)
                if moved is not None:
                    declared.append(f"queue {route.queue} migrated to a quorum queue, {moved} message(s) moved")
                    continue
            elif look_for_unfinished and queue_migration.unfinished(connection, route):
                outdated.append(route.queue)
                continue
            try:
                route.kombu_queue()(channel).declare()
            except amqp.exceptions.PreconditionFailed:
                channel = connection.channel()  # the broker closed the one it refused
                outdated.append(route.queue)
                continue
            declared.append(f"queue {route.queue} <- {route.exchange.name} {', '.join(route.routing_keys)} "
                            f"(quorum, delivery limit {DELIVERY_LIMIT})")
        if migrate or (look_for_unfinished and not outdated):
            queue_migration.end(connection)   # every queue is as declared here
        channel.close()
    if outdated:
        raise QueuesOutdated(outdated)
    return declared
