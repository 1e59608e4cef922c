"""Reading and replaying a service's dead letters: `huiqi dead-letters` calls these functions, the
gateway the `dead_letters` RPC every service with a database answers (`DeadLetterRpc`)."""
from __future__ import annotations

from sqlalchemy import Engine, func, select, update

from shared import messaging_tables as tables
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.rpc import rpc
from shared.store import utcnow

UNROUTABLE = "(unroutable)"


def summary(engine: Engine) -> dict:
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(tables.dead_letters)).scalar_one()
        waiting = connection.execute(select(func.count()).select_from(tables.dead_letters)
                                     .where(tables.dead_letters.c.replayed_at.is_(None))).scalar_one()
    return {"total": total, "waiting": waiting}


def listing(engine: Engine, *, include_replayed: bool = False, limit: int = 100) -> list[dict]:
    query = select(tables.dead_letters).order_by(tables.dead_letters.c.id.desc()).limit(limit)
    if not include_replayed:
        query = query.where(tables.dead_letters.c.replayed_at.is_(None))
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def replay(engine: Engine, amqp_uri: str, ids: list[int] | None = None) -> int:
    """Publish dead letters again (all waiting ones, or `ids`) and mark them replayed.

    A handler failure is sent straight back to its queue (its routing key in a header, for the
    handler); an unroutable event goes back to its exchange. Consumers' inboxes make a replay of
    something already handled harmless."""
    query = select(tables.dead_letters).where(tables.dead_letters.c.replayed_at.is_(None))
    if ids:
        query = query.where(tables.dead_letters.c.id.in_(ids))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(tables.dead_letters.c.id)).all()
    if not rows:
        return 0
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        messages = [
            Outgoing(row.exchange, row.routing_key, row.body, row.event_id or f"dead-letter-{row.id}",
                     row.correlation_id) if row.queue == UNROUTABLE
            else Outgoing("", row.queue, row.body, row.event_id or f"dead-letter-{row.id}", row.correlation_id,
                          published_with=row.routing_key)
            for row in rows
        ]
        unroutable = publisher.publish(messages)
    finally:
        publisher.close()
    failed = {lost.message.message_id for lost in unroutable}
    replayed = [row.id for row, message in zip(rows, messages, strict=True) if message.message_id not in failed]
    with engine.begin() as connection:
        connection.execute(update(tables.dead_letters).where(tables.dead_letters.c.id.in_(replayed))
                           .values(replayed_at=utcnow(),
                                   replay_count=tables.dead_letters.c.replay_count + 1))
    return len(replayed)


class DeadLetterRpc:
    """Mixed into a service class that has `store = Store(...)`."""

    @rpc
    def dead_letters(self, include_replayed: bool = False, limit: int = 100) -> list[dict]:
        rows = listing(self.store.engine, include_replayed=include_replayed, limit=limit)
        return [{**row, "failed_at": row["failed_at"].isoformat(),
                 "replayed_at": row["replayed_at"] and row["replayed_at"].isoformat()} for row in rows]
