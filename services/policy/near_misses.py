"""Near-misses: active enterprises that fail exactly one condition of a policy's rule.

A condition is one member of the rule's top-level `all` (a rule that is not an `all` is a single
condition, so it has no near-misses to speak of: failing it is failing the policy). Grouping
the near-misses by the condition they fail shows staff the cheapest way to widen a policy's
reach, and the list of every one of them (a page at a time, in condition then code order) is
whom to call. One SQL query counts them by condition; one more reads the page.
"""
from __future__ import annotations

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from services.policy import read_model
from services.policy.models import enterprise_facts
from shared import eligibility
from shared.errors import Invalid


def conditions(rule: eligibility.Rule) -> list[tuple[str, eligibility.Rule]]:
    """The rule's conditions with their paths: the members of a top-level `all`, else the rule itself."""
    if isinstance(rule, eligibility.AllOf):
        return [(f"$.all[{position}]", child) for position, child in enumerate(rule.rules)]
    return [("$", rule)]


def _sql(rule: eligibility.Rule):
    return eligibility.to_sql(rule, column=read_model.column, has_tag=read_model.has_tag,
                              has_code=read_model.has_code, has_fact=read_model.has_fact)


def near_misses(session: Session, rule: eligibility.Rule, *, offset: int = 0, limit: int | None = 50,
                condition: str | None = None, uscc: str | None = None) -> dict:
    """A page of the near-misses, in the order of the condition they fail then by code (`limit` None:
    all from `offset`), narrowed to one condition (its path) or one enterprise when asked.

    `total` counts every near-miss the filters keep; `conditions` counts them by condition under
    every filter but `condition` (so asked for one enterprise, it says nothing about others)."""
    members = conditions(rule)
    paths = [path for path, _member in members]
    if condition is not None and condition not in paths:
        rule_text = f"one of {', '.join(paths)}" if len(paths) > 1 else "none: the rule is one condition"
        raise Invalid(f"condition {condition!r} is not a condition of this policy's rule; it has {rule_text}",
                      [{"field": "condition", "message": f"must be the path of a condition: {rule_text}"}])
    page = {"offset": offset, "limit": limit, "total": 0, "conditions": [], "items": []}
    if len(members) < 2:
        return page
    holds = [_sql(member) for _path, member in members]
    failures = sum((case((held, 0), else_=1) for held in holds), literal(0))
    # which one failed: the first that does not hold (exactly one does not)
    failed = case(*((~held, position) for position, held in enumerate(holds)), else_=-1)
    near = select(enterprise_facts.c.uscc, read_model.column("name").label("name"), failed.label("failed")) \
        .where(enterprise_facts.c.active, failures == 1)
    if uscc is not None:
        near = near.where(enterprise_facts.c.uscc == uscc)
    near = near.subquery()
    counts = dict(session.execute(select(near.c.failed, func.count()).group_by(near.c.failed)).all())
    page["conditions"] = sorted(
        ({"path": path, "condition": member.to_json(), "text": eligibility.describe(member), "count": counts[position]}
         for position, (path, member) in enumerate(members) if counts.get(position)),
        key=lambda group: -group["count"])
    wanted = select(near.c.uscc, near.c.name, near.c.failed)
    if condition is not None:
        position = paths.index(condition)
        wanted = wanted.where(near.c.failed == position)
        page["total"] = counts.get(position, 0)
    else:
        page["total"] = sum(counts.values())
    rows = session.execute(wanted.order_by(near.c.failed, near.c.uscc).offset(offset).limit(limit)).all()
    texts = {position: eligibility.describe(member) for position, (_path, member) in enumerate(members)}
    page["items"] = [{"uscc": row.uscc, "name": row.name, "path": paths[row.failed], "text": texts[row.failed]}
                     for row in rows]
    return page
