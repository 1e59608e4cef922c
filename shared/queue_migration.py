"""`huiqi declare --migrate`: turn a platform queue that exists with other arguments (a classic
queue of an earlier release) into the quorum queue `shared.topology` declares, losing no message.

The broker cannot change a queue's type or arguments (a declaration with others is refused, 406
PRECONDITION_FAILED), so the queue is rebuilt under the same name, with the services stopped (a
consumer on the queue makes the migration refuse):

1. `<queue>.migrating`, a quorum queue with the same bindings, takes over what is published from now
   on (a government system may still publish to gov.events);
2. every message of the old queue is moved into it (`shared.moving`: confirmed before acknowledged),
   then the old queue is deleted, only if empty (a message published meanwhile is moved too);
3. the new queue is declared without bindings, everything waiting is moved into it, in order, then it
   is bound and `<queue>.migrating` unbound, and what arrived at the last moment moved after;
   `<queue>.migrating` is deleted, only if empty.

Interrupted anywhere, a message is in the old queue, the temporary one or the new one (or in two: the
inbox ignores the second copy), and running `--migrate` again resumes. Order is kept but for an event
published in the instant between the last move and the binding of the new queue, which may come after
one published a moment later.
"""
from __future__ import annotations

import amqp.exceptions
from kombu import Queue, binding

from shared.moving import move
from shared.topology import QUORUM, Route

MIGRATING = ".migrating"


class MigrationRefused(Exception):
    pass


def unfinished(connection, route: Route) -> bool:
    """Whether a migration of `route`'s queue was interrupted (its messages wait in `<queue>.migrating`)."""
    return _depth(connection, route.queue + MIGRATING) is not None


def migrate(connection, route: Route) -> int | None:
    """Migrate `route`'s queue if it needs it: None if it did not (it is declared as `route` says, or
    not there), else how many messages the new queue received from the old ones."""
    temporary = route.queue + MIGRATING
    if _depth(connection, temporary) is None:
        if _declared(connection, route.kombu_queue()):
            return None
        _refuse_if_consumed(connection, route.queue)
        _declare(connection, Queue(temporary, bindings=_bindings(route), durable=True, queue_arguments=QUORUM))
        _empty_into(connection, route.queue, temporary)
    elif _depth(connection, route.queue) is not None and not _declared(connection, _unbound(route)):
        _refuse_if_consumed(connection, route.queue)
        _empty_into(connection, route.queue, temporary)  # resumed: the old queue is still there
    _declare(connection, _unbound(route))
    moved = move(connection, temporary, lambda _: route.queue)
    _declare(connection, route.kombu_queue())  # bound: from here on the new queue gets what is published
    channel = connection.channel()
    for key in route.routing_keys:
        channel.queue_unbind(temporary, route.exchange.name, key)
    channel.close()
    return moved + _empty_into(connection, temporary, route.queue)


def _bindings(route: Route) -> list:
    return [binding(route.exchange, routing_key=key) for key in route.routing_keys]


def _unbound(route: Route) -> Queue:
    return Queue(route.queue, durable=True, queue_arguments=route.arguments())


def _empty_into(connection, source: str, target: str) -> int:
    """Move everything from `source` into `target`, then delete `source` (only once it is empty:
    something published meanwhile is moved too)."""
    moved = 0
    while True:
        moved += move(connection, source, lambda _: target)
        channel = connection.channel()
        try:
            channel.queue_delete(source, if_empty=True)
        except amqp.exceptions.PreconditionFailed:
            continue  # a message arrived since: move it too
        channel.close()
        return moved


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
