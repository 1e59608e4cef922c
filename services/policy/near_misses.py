"""Finding a policy's near-misses in the enterprise copy (`domain.near_misses` says what they are):
one SQL query counts them by the condition they fail; one more reads the page."""
from __future__ import annotations

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from services.policy import read_model
from services.policy.domain.near_misses import conditions, page, position_of
from services.policy.models import enterprise_facts
from shared import eligibility


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
    holds = [read_model.condition(member) for _path, member in members]
    failures = sum((case((held, 0), else_=1) for held in holds), literal(0))
    # which one failed: the first that does not hold (exactly one does not)
    failed = case(*((~held, at) for at, held in enumerate(holds)), else_=-1)
    near = select(enterprise_facts.c.uscc, read_model.column("name").label("name"), failed.label("failed")) \
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
