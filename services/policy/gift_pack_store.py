"""Gift packs (大礼包) as the policy database keeps them: created under a fresh short code, listed,
and visited (each visit of the public page counts as a scan). `domain.gift_packs` says what a pack holds."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.policy.domain.gift_packs import members
from services.policy.models import packs, policies
from shared.contracts.actors import Actor
from shared.errors import NotFound
from shared.pack_codes import new_code

_SHOWN = ("id", "title", "department", "department_name", "summary", "valid_from", "valid_to", "redeemable",
          "proactive", "status", "level", "county")


def create(session: Session, title: str, description: str | None, policy_ids: list[int], actor: Actor,
           now: datetime) -> dict:
    statuses = dict(session.execute(select(policies.c.id, policies.c.status)
                                    .where(policies.c.id.in_(policy_ids))).all())
    ordered = members(policy_ids, statuses)
    for _attempt in range(5):
        code = new_code()
        try:
            with session.begin_nested():
                pack_id = session.execute(insert(packs).values(
                    code=code, title=title, description=description, policy_ids=ordered,
                    created_by=actor.model_dump(mode="json"), created_at=now, scans=0)).inserted_primary_key[0]
            return get(session, pack_id)
        except IntegrityError:
            continue  # 31^8 codes: a clash is rare, five in a row would mean something else is wrong
    raise RuntimeError("could not find a free gift pack code")


def _public(row) -> dict:
    pack = dict(row._mapping)
    for name in ("created_at", "last_scanned_at"):
        pack[name] = pack[name] and pack[name].isoformat()
    return pack


def get(session: Session, pack_id: int) -> dict:
    row = session.execute(select(packs).where(packs.c.id == pack_id)).first()
    if row is None:
        raise NotFound(f"no gift pack {pack_id}", {"pack_id": pack_id})
    return _public(row)


def listed(session: Session, limit: int, offset: int) -> dict:
    total = session.execute(select(func.count()).select_from(packs)).scalar_one()
    rows = session.execute(select(packs).order_by(packs.c.id.desc()).limit(limit).offset(offset))
    return {"items": [_public(row) for row in rows], "total": total}


def visit(session: Session, code: str, now: datetime) -> dict:
    """The pack with its policies, for the public page; counts the visit as a scan."""
    row = session.execute(select(packs).where(packs.c.code == code)).first()
    if row is None:
        raise NotFound(f"no gift pack {code}", {"code": code})
    session.execute(update(packs).where(packs.c.id == row.id)
                    .values(scans=packs.c.scans + 1, last_scanned_at=now))
    members = {policy["id"]: policy for policy in (
        dict(found._mapping) for found in session.execute(
            select(*(policies.c[name] for name in _SHOWN)).where(policies.c.id.in_(row.policy_ids))))}
    return {"code": row.code, "title": row.title, "description": row.description,
            "policies": [members[policy_id] for policy_id in row.policy_ids if policy_id in members]}
