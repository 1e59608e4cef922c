"""The facts the counselling service keeps from the bus: policies in force and whether each is a financing
one, which enterprises each policy matches now, enterprises' names. Merged so that the order events arrive
in does not matter: a policy or an enterprise takes its newest version, a match the newest decision about
the pair (by the event's `occurred_at`). A plan lists what these tables say, never asking another service."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from services.counselling.models import enterprises, matches, policies
from shared.contracts.events import (
    EVENTS,
    EnterprisesTagged,
    MatchesChanged,
    PlatformEvent,
    PolicyExpired,
    PolicyInForce,
    PolicyWithdrawn,
)
from shared.database import SessionOrConnection, database_time, dialect_of, driver_connection, execute_rows
from shared.topology import event_type_of

FINANCING_TAGS = frozenset({"interest.financing"})   # a policy whose rule asks for these is a financing policy
FINANCING_CATEGORY = "financing."                     # and one using any tag of a `financing` category
ROWS = 1000


def event_of(routing_key: str, body: Any) -> PlatformEvent:
    return EVENTS[event_type_of(routing_key)].model_validate(body)


def is_financing(tags_used: Sequence[str]) -> bool:
    return any(tag in FINANCING_TAGS or tag.startswith(FINANCING_CATEGORY) for tag in tags_used)


def _upsert(session: SessionOrConnection, table, rows: list[dict], keys: tuple[str, ...], newer: str,
            strictly: bool = False) -> None:
    """Insert `rows`, or update the row with their keys where `newer` of the row given is at least (or, with
    `strictly`, more than) the kept one's."""
    if not rows:
        return
    insert = (postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert)(table)
    kept, given = table.c[newer], insert.excluded[newer]
    statement = insert.on_conflict_do_update(
        index_elements=list(keys), set_={name: insert.excluded[name] for name in rows[0] if name not in keys},
        where=(given > kept) if strictly else (given >= kept))
    for start in range(0, len(rows), ROWS):
        session.execute(statement, rows[start:start + ROWS])


def apply(session: SessionOrConnection, events: Sequence[PlatformEvent]) -> dict[str, int]:
    summary = {"enterprises": 0, "policies": 0, "matches": 0}
    named: dict[str, dict] = {}
    for event in events:
        if isinstance(event, EnterprisesTagged):
            for snapshot in event.enterprises:
                row = {"uscc": snapshot.uscc, "version": snapshot.version, "name": snapshot.facts.get("name"),
                       "financing_interest": "interest.financing" in snapshot.tags}
                if named.get(snapshot.uscc, {"version": -1})["version"] <= snapshot.version:
                    named[snapshot.uscc] = row
    _upsert(session, enterprises, list(named.values()), ("uscc",), "version")
    summary["enterprises"] = len(named)
    for event in events:
        if isinstance(event, PolicyInForce):
            _upsert(session, policies, [{"policy_id": event.policy_id, "version": event.version, "title": event.title,
                                         "financing": is_financing(event.tags_used), "in_force": True}],
                    ("policy_id",), "version", strictly=False)
            summary["policies"] += 1
        elif isinstance(event, PolicyWithdrawn | PolicyExpired):
            _end_policy(session, event.policy_id, event.version)
            summary["policies"] += 1
    for event in events:
        if isinstance(event, MatchesChanged):
            summary["matches"] += _upsert_matches(session, event)
    return summary


def _upsert_matches(session: SessionOrConnection, event: MatchesChanged) -> int:
    """`_upsert` for a MatchesChanged's pairs, as plain tuples through the driver (`execute_rows`): a
    bulk sync's event names tens of thousands of pairs, and building, binding and converting a dict
    per pair cost more than the database's work. The same rule: the newest decision (by
    `occurred_at`) wins, ties too, so of a pair named twice in one event the later naming counts."""
    _connection, dialect, _mark = driver_connection(session)
    at = database_time(dialect, event.occurred_at)
    rows = {(policy_id, uscc): (policy_id, uscc, matched, at)
            for matched, pairs in ((True, event.matched), (False, event.unmatched))
            for policy_id, usccs in pairs.items() for uscc in usccs}
    execute_rows(session, "INSERT INTO matches (policy_id, uscc, matched, decided_at) {rows} "
                          "ON CONFLICT (policy_id, uscc) DO UPDATE SET matched = excluded.matched, "
                          "decided_at = excluded.decided_at "
                          "WHERE excluded.decided_at >= matches.decided_at",
                 matches, ("policy_id", "uscc", "matched", "decided_at"), list(rows.values()))
    return len(rows)


def _end_policy(session: SessionOrConnection, policy_id: int, version: int) -> None:
    found = session.execute(select(policies.c.version).where(policies.c.policy_id == policy_id)).scalar()
    if found is None:
        session.execute(policies.insert().values(policy_id=policy_id, version=version, title="", financing=False,
                                                 in_force=False))
    elif found <= version:
        session.execute(policies.update().where(policies.c.policy_id == policy_id).values(version=version,
                                                                                          in_force=False))


def financing_matches(session: SessionOrConnection, uscc: str) -> list[dict]:
    """The financing policies in force that the enterprise matches now, by policy id."""
    rows = session.execute(
        select(policies.c.policy_id, policies.c.title, matches.c.decided_at)
        .join(matches, matches.c.policy_id == policies.c.policy_id)
        .where(matches.c.uscc == uscc, matches.c.matched.is_(True), policies.c.financing.is_(True),
               policies.c.in_force.is_(True))
        .order_by(policies.c.policy_id))
    return [{"policy_id": row.policy_id, "title": row.title, "matched_at": row.decided_at.isoformat()}
            for row in rows]


def names(session: SessionOrConnection, usccs: Sequence[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    unique = list(dict.fromkeys(usccs))
    for start in range(0, len(unique), 500):
        found.update(session.execute(select(enterprises.c.uscc, enterprises.c.name)
                                     .where(enterprises.c.uscc.in_(unique[start:start + 500]))).all())
    return found
