"""The policy service's own copy of what rules need from each enterprise (from `enterprise.tagged`):
keeping it, loading enterprises from it, and finding in it those a rule holds for (`holding`) or
those failing exactly one of its conditions (`near_misses`, one SQL query to count them by
condition, one more to read the page)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, case, delete, exists, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.policy.domain.near_misses import conditions, page, position_of
from services.policy.models import CODE_FACTS, SCALAR_FACTS, enterprise_codes, enterprise_facts, enterprise_tags
from shared import eligibility
from shared.contracts.events import EnterpriseSnapshot
from shared.contracts.gov import Status
from shared.database import fast_insert
from shared.errors import NotFound

CHUNK = 500  # keeps IN lists under every database's parameter limit


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def store(session: Session, snapshots: list[EnterpriseSnapshot]) -> list[EnterpriseSnapshot]:
    """Keep the newest snapshot per enterprise; returns those that were not older than what we had."""
    latest: dict[str, EnterpriseSnapshot] = {}
    for snapshot in snapshots:
        if snapshot.uscc not in latest or snapshot.version >= latest[snapshot.uscc].version:
            latest[snapshot.uscc] = snapshot
    known: dict[str, int] = {}
    for part in chunks(list(latest)):
        known.update(session.execute(select(enterprise_facts.c.uscc, enterprise_facts.c.version)
                                     .where(enterprise_facts.c.uscc.in_(part))).all())
    fresh = [snapshot for uscc, snapshot in latest.items() if snapshot.version >= known.get(uscc, 0)]
    if not fresh:
        return []
    # only what is known has rows to replace: a first sync deletes nothing (on PostgreSQL, a DELETE by a
    # list of codes over tables still without statistics was a full scan of each, one per part)
    for part in chunks([snapshot.uscc for snapshot in fresh if snapshot.uscc in known]):
        for table in (enterprise_facts, enterprise_tags, enterprise_codes):
            session.execute(delete(table).where(table.c.uscc.in_(part)))
    session.execute(insert(enterprise_facts), [_facts_row(snapshot) for snapshot in fresh])
    fast_insert(session, enterprise_tags, ("uscc", "tag"),
                [(snapshot.uscc, tag) for snapshot in fresh for tag in snapshot.tags])
    fast_insert(session, enterprise_codes, ("uscc", "field", "code"),
                [(snapshot.uscc, name, code) for snapshot in fresh for name in CODE_FACTS
                 for code in snapshot.facts.get(name) or ()])
    return fresh


def _facts_row(snapshot: EnterpriseSnapshot) -> dict[str, Any]:
    row = {"uscc": snapshot.uscc, "version": snapshot.version, "active": snapshot.status == Status.active}
    for name in SCALAR_FACTS:
        row[f"fact_{name}"] = snapshot.facts.get(name)
    for name in CODE_FACTS:
        row[f"known_{name}"] = snapshot.facts.get(name) is not None
    return row


# Built once: a statement built per call costs more CPU than the query itself. Codes come in key
# order, so an enterprise's list facts read the same whichever way it is loaded.
_FACTS = select(enterprise_facts).where(enterprise_facts.c.uscc == bindparam("p_uscc"))
_CODES = (select(enterprise_codes.c.field, enterprise_codes.c.code)
          .where(enterprise_codes.c.uscc == bindparam("p_uscc"))
          .order_by(enterprise_codes.c.field, enterprise_codes.c.code))
_TAGS = select(enterprise_tags.c.tag).where(enterprise_tags.c.uscc == bindparam("p_uscc"))
_FACTS_IN = select(enterprise_facts).where(enterprise_facts.c.uscc.in_(bindparam("p_usccs", expanding=True)))
_CODES_IN = (select(enterprise_codes.c.uscc, enterprise_codes.c.field, enterprise_codes.c.code)
             .where(enterprise_codes.c.uscc.in_(bindparam("p_usccs", expanding=True)))
             .order_by(enterprise_codes.c.uscc, enterprise_codes.c.field, enterprise_codes.c.code))
_TAGS_IN = select(enterprise_tags.c.uscc, enterprise_tags.c.tag).where(
    enterprise_tags.c.uscc.in_(bindparam("p_usccs", expanding=True)))
_SCALAR_COLUMNS = tuple((name, f"fact_{name}") for name in SCALAR_FACTS)
_KNOWN_COLUMNS = tuple((name, f"known_{name}") for name in CODE_FACTS)

Enterprise = tuple[dict[str, Any], set[str], int]  # facts, tags, profile version


def unknown_enterprise(uscc: str) -> NotFound:
    return NotFound(f"no enterprise {uscc} is known to the policy service yet", {"uscc": uscc})


def known(session: Session | Connection, uscc: str) -> Enterprise:
    """`load`, or NotFound (404) for an enterprise not known here."""
    enterprise = load(session, uscc)
    if enterprise is None:
        raise unknown_enterprise(uscc)
    return enterprise


def known_many(session: Session | Connection, usccs: list[str]) -> dict[str, Enterprise]:
    """`load_many`, or NotFound (404) for the first of `usccs` not known here."""
    enterprises = load_many(session, usccs)
    for uscc in usccs:
        if uscc not in enterprises:
            raise unknown_enterprise(uscc)
    return enterprises


def load(session: Session | Connection, uscc: str) -> Enterprise | None:
    """The facts, tags and profile version of one enterprise, or None if it is not known here: what
    `load_many` gives for it, from `==` statements (no IN list to render per call)."""
    row = session.execute(_FACTS, {"p_uscc": uscc}).first()
    if row is None:
        return None
    facts = _facts(row)
    for field, code in session.execute(_CODES, {"p_uscc": uscc}):
        facts.setdefault(field, []).append(code)
    tags = set(session.execute(_TAGS, {"p_uscc": uscc}).scalars())
    return facts, tags, row.version


def load_many(session: Session | Connection, usccs: list[str]) -> dict[str, Enterprise]:
    """`load` for many enterprises in three queries a chunk: uscc -> (facts, tags, version) of those known."""
    distinct = list(dict.fromkeys(usccs))
    if len(distinct) == 1:   # one enterprise, the usual ask: `load`'s statements render no IN list
        enterprise = load(session, distinct[0])
        return {} if enterprise is None else {distinct[0]: enterprise}
    known: dict[str, Enterprise] = {}
    for part in chunks(distinct):
        parameters = {"p_usccs": part}
        found = {row.uscc: (_facts(row), set(), row.version) for row in session.execute(_FACTS_IN, parameters)}
        # `if uscc in found`: an enterprise stored after the first query (no snapshot isolation) is skipped
        for uscc, field, code in session.execute(_CODES_IN, parameters):
            if uscc in found:
                found[uscc][0].setdefault(field, []).append(code)
        for uscc, tag in session.execute(_TAGS_IN, parameters):
            if uscc in found:
                found[uscc][1].add(tag)
        known.update(found)
    return known


def _facts(row) -> dict[str, Any]:
    """The scalar facts of an enterprise_facts row, and an empty list for each list fact it sent."""
    facts: dict[str, Any] = {}
    for name, column_name in _SCALAR_COLUMNS:
        value = getattr(row, column_name)
        if value is not None:
            facts[name] = int(value) if isinstance(value, float) and value.is_integer() else value
    for name, column_name in _KNOWN_COLUMNS:
        if getattr(row, column_name):
            facts[name] = []
    return facts


def holding(session: Session, rule: eligibility.Rule) -> dict[str, int]:
    """uscc -> profile version of every active enterprise for which the rule holds, in one query."""
    return dict(session.execute(select(enterprise_facts.c.uscc, enterprise_facts.c.version)
                                .where(enterprise_facts.c.active, sql_condition(rule))).all())


def matching(session: Session, rule: eligibility.Rule, sample: int = 10) -> dict:
    """How many active enterprises the rule holds for now, of how many, and the first `sample` of
    them by code (uscc, name): what a policy's rule would reach if it were published today."""
    holds = sql_condition(rule)
    active = session.execute(select(func.count()).select_from(enterprise_facts)
                             .where(enterprise_facts.c.active)).scalar_one()
    count = session.execute(select(func.count()).select_from(enterprise_facts)
                            .where(enterprise_facts.c.active, holds)).scalar_one()
    rows = session.execute(select(enterprise_facts.c.uscc, column("name")).where(enterprise_facts.c.active, holds)
                           .order_by(enterprise_facts.c.uscc).limit(sample)).all() if sample else []
    return {"active": active, "matching": count, "sample": [{"uscc": uscc, "name": name} for uscc, name in rows]}


def near_misses(session: Session, rule: eligibility.Rule, *, offset: int = 0, limit: int | None = 50,
                condition: str | None = None, uscc: str | None = None) -> dict:
    """A page of the near-misses, in the order of the condition they fail then by code (`limit` None:
    all from `offset`), narrowed to one condition (its path) or one enterprise when asked.

    `total` counts every near-miss the filters keep; `conditions` counts them by condition under
    every filter but `condition` (so asked for one enterprise, it says nothing about others)."""
    members = conditions(rule)
    position = position_of(members, condition)
    if len(members) < 2:
        return page(members, {}, [], offset=offset, limit=limit, position=position)
    holds = [sql_condition(member) for _path, member in members]
    failures = sum((case((held, 0), else_=1) for held in holds), literal(0))
    # which one failed: the first that does not hold (exactly one does not)
    failed = case(*((~held, at) for at, held in enumerate(holds)), else_=-1)
    near = select(enterprise_facts.c.uscc, column("name").label("name"), failed.label("failed")) \
        .where(enterprise_facts.c.active, failures == 1)
    if uscc is not None:
        near = near.where(enterprise_facts.c.uscc == uscc)
    near = near.subquery()
    counts = dict(session.execute(select(near.c.failed, func.count()).group_by(near.c.failed)).all())
    wanted = select(near.c.uscc, near.c.name, near.c.failed)
    if position is not None:
        wanted = wanted.where(near.c.failed == position)
    rows = session.execute(wanted.order_by(near.c.failed, near.c.uscc).offset(offset).limit(limit)).all()
    return page(members, counts, [tuple(row) for row in rows], offset=offset, limit=limit, position=position)


def sql_condition(rule: eligibility.Rule):
    """The rule as an SQL condition on an `enterprise_facts` row."""
    return eligibility.to_sql(rule, column=column, has_tag=has_tag, has_code=has_code, has_fact=has_fact)


def column(field: str):
    return enterprise_facts.c[f"fact_{field}"]


def has_tag(code: str):
    return exists().where(enterprise_tags.c.uscc == enterprise_facts.c.uscc, enterprise_tags.c.tag == code)


def has_code(field: str, codes: list[str]):
    return exists().where(enterprise_codes.c.uscc == enterprise_facts.c.uscc, enterprise_codes.c.field == field,
                          enterprise_codes.c.code.in_(codes))


def has_fact(field: str):
    return enterprise_facts.c[f"known_{field}"]


def is_active(session: Session | Connection, uscc: str) -> bool:
    """Whether the enterprise is active (near-misses and matches are of active enterprises only)."""
    return bool(session.execute(select(enterprise_facts.c.active).where(enterprise_facts.c.uscc == uscc)).scalar())
