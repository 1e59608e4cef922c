"""The policy service's own copy of what rules need from each enterprise (from `enterprise.tagged`)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session

from services.policy.models import CODE_FACTS, SCALAR_FACTS, enterprise_codes, enterprise_facts, enterprise_tags
from shared.contracts.events import EnterpriseSnapshot
from shared.database import fast_insert

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
    for part in chunks([snapshot.uscc for snapshot in fresh]):
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
    row = {"uscc": snapshot.uscc, "version": snapshot.version, "active": snapshot.status == "active"}
    for name in SCALAR_FACTS:
        row[f"fact_{name}"] = snapshot.facts.get(name)
    for name in CODE_FACTS:
        row[f"known_{name}"] = snapshot.facts.get(name) is not None
    return row


def load(session: Session, uscc: str) -> tuple[dict[str, Any], set[str], int] | None:
    """The facts, tags and profile version of one enterprise, or None if it is not known here."""
    row = session.execute(select(enterprise_facts).where(enterprise_facts.c.uscc == uscc)).first()
    if row is None:
        return None
    facts: dict[str, Any] = {}
    for name in SCALAR_FACTS:
        value = getattr(row, f"fact_{name}")
        if value is not None:
            facts[name] = int(value) if isinstance(value, float) and value.is_integer() else value
    for name in CODE_FACTS:
        if getattr(row, f"known_{name}"):
            facts[name] = []
    for field, code in session.execute(select(enterprise_codes.c.field, enterprise_codes.c.code)
                                       .where(enterprise_codes.c.uscc == uscc)):
        facts.setdefault(field, []).append(code)
    tags = set(session.execute(select(enterprise_tags.c.tag).where(enterprise_tags.c.uscc == uscc)).scalars())
    return facts, tags, row.version


def column(field: str):
    return enterprise_facts.c[f"fact_{field}"]


def has_tag(code: str):
    return exists().where(enterprise_tags.c.uscc == enterprise_facts.c.uscc, enterprise_tags.c.tag == code)


def has_code(field: str, codes: list[str]):
    return exists().where(enterprise_codes.c.uscc == enterprise_facts.c.uscc, enterprise_codes.c.field == field,
                          enterprise_codes.c.code.in_(codes))


def has_fact(field: str):
    return enterprise_facts.c[f"known_{field}"]
