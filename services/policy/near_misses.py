"""Near-misses: active enterprises that fail exactly one condition of a policy's rule.

A condition is one member of the rule's top-level `all` (a rule that is not an `all` is a single
condition, so it has no near-misses to speak of: failing it is failing the policy). Grouping
the near-misses by the condition they fail shows staff the cheapest way to widen a policy's
reach. One SQL query counts them all; a second per condition takes a sample.
"""
from __future__ import annotations

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from services.policy import read_model
from services.policy.models import enterprise_facts
from shared import eligibility


def conditions(rule: eligibility.Rule) -> list[tuple[str, eligibility.Rule]]:
    """The rule's conditions with their paths: the members of a top-level `all`, else the rule itself."""
    if isinstance(rule, eligibility.AllOf):
        return [(f"$.all[{position}]", child) for position, child in enumerate(rule.rules)]
    return [("$", rule)]


def _sql(rule: eligibility.Rule):
    return eligibility.to_sql(rule, column=read_model.column, has_tag=read_model.has_tag,
                              has_code=read_model.has_code, has_fact=read_model.has_fact)


def near_misses(session: Session, rule: eligibility.Rule, sample_size: int = 20) -> dict:
    members = conditions(rule)
    if len(members) < 2:
        return {"total": 0, "conditions": []}
    holds = [_sql(member) for _path, member in members]
    failures = sum((case((held, 0), else_=1) for held in holds), literal(0))
    # which one failed: the first that does not hold (exactly one does not)
    failed = case(*((~held, position) for position, held in enumerate(holds)), else_=-1)
    near = select(enterprise_facts.c.uscc, failed.label("failed")).where(enterprise_facts.c.active,
                                                                         failures == 1).subquery()
    counts = dict(session.execute(select(near.c.failed, func.count()).group_by(near.c.failed)).all())
    groups = []
    for position, (path, member) in enumerate(members):
        if not counts.get(position):
            continue
        sample = session.execute(select(near.c.uscc).where(near.c.failed == position)
                                 .order_by(near.c.uscc).limit(sample_size)).scalars().all()
        groups.append({"path": path, "condition": member.to_json(), "text": eligibility.describe(member),
                       "count": counts[position], "sample": sample})
    groups.sort(key=lambda group: -group["count"])
    return {"total": sum(group["count"] for group in groups), "conditions": groups}
