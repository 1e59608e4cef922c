"""Policies and their lifecycle: drafts, publishing, reading and searching."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, cast, func, insert, or_, select, update
from sqlalchemy.orm import Session

from services.policy.models import policies, policy_versions
from shared import eligibility
from shared.contracts.policies import PolicyDraft
from shared.errors import Conflict, Invalid, NotFound

STATUSES = ("draft", "published", "withdrawn", "expired")


def checked_rule(rule_json: Any, known_tags) -> eligibility.Rule:
    """The parsed rule, or Invalid naming the offending node (422)."""
    try:
        return eligibility.parse(rule_json, known_tags)
    except eligibility.RuleError as error:
        raise Invalid(f"eligibility {error.path}: {error.message}",
                      [{"field": f"eligibility{error.path[1:]}", "message": error.message}]) from None


def create_draft(session: Session, draft: PolicyDraft, rule: eligibility.Rule, actor: dict, now: datetime) -> dict:
    values = draft.model_dump(mode="json")
    values.update(eligibility=rule.to_json(), tags_used=sorted(eligibility.tags_used(rule)), status="draft",
                  version=1, created_at=now, updated_at=now, published_at=None)
    policy_id = session.execute(insert(policies).values(**values)).inserted_primary_key[0]
    policy = get(session, policy_id)
    session.execute(insert(policy_versions), {"policy_id": policy_id, "version": 1, "snapshot": policy,
                                              "actor": actor, "at": now})
    return policy


def publish(session: Session, policy_id: int, today: date, now: datetime) -> dict:
    policy = get(session, policy_id)
    if policy["status"] == "published":
        raise Conflict(f"policy {policy_id} is already published", {"status": policy["status"]})
    if policy["status"] != "draft":
        raise Conflict(f"only a draft can be published; policy {policy_id} is {policy['status']}",
                       {"status": policy["status"]})
    if policy["valid_to"] < today.isoformat():
        raise Conflict(f"policy {policy_id} ended on {policy['valid_to']}; it cannot be published",
                       {"valid_to": policy["valid_to"]})
    session.execute(update(policies).where(policies.c.id == policy_id)
                    .values(status="published", published_at=now, updated_at=now))
    return get(session, policy_id)


def get(session: Session, policy_id: int) -> dict:
    row = session.execute(select(policies).where(policies.c.id == policy_id)).first()
    if row is None:
        raise NotFound(f"no policy {policy_id}", {"policy_id": policy_id})
    return public(row)


def public(row) -> dict:
    policy = dict(row._mapping)
    for name in ("created_at", "updated_at", "published_at"):
        policy[name] = policy[name] and policy[name].isoformat()
    return policy


def search(session: Session, *, q: str | None, department: str | None, tag: str | None, status: str | None,
           limit: int, offset: int) -> dict:
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", [{"field": "status", "message": "unknown"}])
    conditions = []
    if q:
        for word in q.split():
            pattern = f"%{word}%"
            conditions.append(or_(policies.c.title.like(pattern), policies.c.summary.like(pattern),
                                  policies.c.body.like(pattern)))
    if department:
        conditions.append(policies.c.department == department)
    if status:
        conditions.append(policies.c.status == status)
    if tag:
        # tags_used is a JSON list; its text form contains the quoted code exactly when the list does
        conditions.append(cast(policies.c.tags_used, Text).like(f'%"{tag}"%'))
    query = select(policies).where(*conditions)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(policies.c.id.desc()).limit(limit).offset(offset))
    return {"items": [public(row) for row in rows], "total": total}
