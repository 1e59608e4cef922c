"""`huiqi declare --migrate`: turn a platform queue that exists with other arguments (a classic
queue of an earlier release) into the quorum queue `shared.topology` declares, losing no message.

The broker cannot change a queue's type or arguments (a declaration with others is refused, 406
PRECONDITION_FAILED), so the queue is rebuilt under the same name, with the services stopped (a
consumer on the queue makes the migration refuse):

1. the old queue's messages are moved to `<queue>.migrating`, a quorum queue (`shared.moving`: each
   confirmed there before it is acknowledged on the old queue), which then takes over the old
   queue's bindings (a government system may still publish to gov.events); the old queue is
   deleted once unbound and empty;
2. the same from `<queue>.migrating` to the new queue, declared as `shared.topology` says.

Interrupted anywhere, a message is in the old queue, the temporary one or the new one (or in two: the
inbox ignores the second copy), and running `--migrate` again resumes. Order is kept, but for an
event published in the instant between a move's end and the new binding, which may come after one
published a moment later (stop what publishes, if you can).
"""
from __future__ import annotations

import amqp
import amqp.exceptions
from kombu import Queue

from shared.moving import move
from shared.topology import QUORUM, Route

MIGRATING = ".migrating"


# Holds one message while a `--migrate` runs: a plain `huiqi declare` looks for `<queue>.migrating`
# queues only when it finds one (each look for a queue that is not there is an error in the broker's log).
IN_PROGRESS = Queue("huiqi.migration", durable=True, queue_arguments=QUORUM)


class MigrationRefused(Exception):
    pass


def begin(connection) -> None:
    channel = connection.channel()
    IN_PROGRESS(channel).declare()
    channel.basic_publish_confirm(amqp.Message("a huiqi declare --migrate is running", delivery_mode=2),
                                  exchange="", routing_key=IN_PROGRESS.name, mandatory=True)
    channel.close()


def end(connection) -> None:
    channel = connection.channel()
    channel.queue_purge(IN_PROGRESS.name)
    channel.close()


def interrupted(connection) -> bool:
    """Whether a `--migrate` began and did not end."""
    channel = connection.channel()
    waiting = IN_PROGRESS(channel).queue_declare().message_count
    channel.close()
    return waiting > 0


def unfinished(connection, route: Route) -> bool:
    """Whether a migration of `route`'s queue was interrupted (its messages wait in `<queue>.migrating`)."""
    return _depth(connection, route.queue + MIGRATING) is not None


def migrate(connection, route: Route) -> int | None:
    """Migrate `route`'s queue if it needs it: None if it did not (it is declared as `route` says, or
    was not there), else how many messages the new queue received."""
    temporary = Queue(route.queue + MIGRATING, durable=True, queue_arguments=QUORUM)
    if not unfinished(connection, route) and _declared(connection, route.kombu_queue()):
        return None
    if not _declared(connection, _unbound(route)):   # the old queue is (still) there
        _refuse_if_consumed(connection, route.queue)
        _rebuild(connection, route, route.queue, temporary)
    return _rebuild(connection, route, temporary.name, _unbound(route))


def _rebuild(connection, route: Route, source: str, target: Queue) -> int:
    """Move `source`'s messages into `target` (declared here, unbound, so what is published meanwhile
    still reaches `source` and is moved in order), give `target` the route's bindings, take them from
    `source`, move what arrived at the last moment, and delete `source` once nothing can reach it."""
    _declare(connection, target)
    moved = move(connection, source, lambda _: target.name)
    channel = connection.channel()
    for key in route.routing_keys:
        channel.queue_bind(target.name, route.exchange.name, key)
    for key in route.routing_keys:
        channel.queue_unbind(source, route.exchange.name, key)
    channel.close()
    while True:
        moved += move(connection, source, lambda _: target.name)
        if _depth(connection, source) == 0:
            break
    channel = connection.channel()
    # unbound and empty; not `if_empty` (quorum queues refuse it), the check above does its work
    channel.queue_delete(source)
    channel.close()
    return moved


def _unbound(route: Route) -> Queue:
    return Queue(route.queue, durable=True, queue_arguments=route.arguments())


def _refuse_if_consumed(connection, queue: str) -> None:
    channel = connection.channel()
    consumers = channel.queue_declare(queue, passive=True).consumer_count
    channel.close()
    if consumers:
        raise MigrationRefused(f"queue {queue} has {consumers} consumer(s): stop every service before "
                               "`huiqi declare --migrate` (nothing is migrated while a service consumes)")


def _depth(connection, queue: str) -> int | None:
    """The queue's message count, None if it does not exist."""
    channel = connection.channel()
    try:
        depth = channel.queue_declare(queue, passive=True).message_count
    except amqp.exceptions.NotFound:
        return None  # the broker closed the channel
    channel.close()
    return depth


def _declared(connection, queue: Queue) -> bool:
    """Declare `queue`; False if the broker refuses it (it exists with other arguments)."""
    channel = connection.channel()
    try:
        queue(channel).declare()
    except amqp.exceptions.PreconditionFailed:
        return False  # the broker closed the channel
    channel.close()
    return True


def _declare(connection, queue: Queue) -> None:
    channel = connection.channel()
    queue(channel).declare()
    channel.close()
