"""The policies table and every version kept of each policy: their lifecycle (draft, publish,
revise, withdraw, expire, start) as stored, and reading them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.policy import revisions
from services.policy.domain import lifecycle
from services.policy.models import policies, policy_versions
from shared import eligibility
from shared.contracts.actors import Actor
from shared.contracts.policies import PolicyDraft, PolicyStatus
from shared.errors import NotFound

# built once: a statement built per call costs more CPU than the query itself
_POLICY = select(policies).where(policies.c.id == bindparam("p_id"))
_POLICY_LOCKED = _POLICY.with_for_update()


def create_draft(session: Session, draft: PolicyDraft, rule: eligibility.Rule, actor: Actor, now: datetime) -> dict:
    values = lifecycle.stored_fields(draft, rule)
    values.update(status=PolicyStatus.draft, version=1, created_at=now, updated_at=now, published_at=None,
                  revision=revisions.take(session))
    policy_id = session.execute(insert(policies).values(**values)).inserted_primary_key[0]
    policy = get(session, policy_id)
    _record_version(session, policy, actor, now)
    return policy


def publish(session: Session, policy_id: int, today: date, now: datetime) -> dict:
    policy = get(session, policy_id, for_update=True)
    lifecycle.check_publishable(policy, today)
    # one that starts on a later day is pushed by `start_due`, that day
    session.execute(update(policies).where(policies.c.id == policy_id)
                    .values(status=PolicyStatus.published, published_at=now, updated_at=now,
                            started_at=lifecycle.started_when_published(policy, today, now),
                            revision=revisions.take(session)))
    published = get(session, policy_id)
    _record_version(session, published, None, now, keep_version=True)
    return published


def revise(session: Session, policy_id: int, draft: PolicyDraft, rule: eligibility.Rule, actor: Actor,
           now: datetime, today: date) -> dict:
    """A new version of a draft or published policy: every field replaced, the old version kept."""
    policy = get(session, policy_id, for_update=True)
    lifecycle.check_revisable(policy)
    values = lifecycle.stored_fields(draft, rule)
    values.update(version=policy["version"] + 1, updated_at=now, revision=revisions.take(session))
    if policy["status"] == PolicyStatus.published:
        values["started_at"] = lifecycle.started_when_revised(values["valid_from"], today,
                                                              policy_started_at(session, policy_id), now)
    session.execute(update(policies).where(policies.c.id == policy_id).values(**values))
    revised = get(session, policy_id)
    _record_version(session, revised, actor, now)
    return revised


def withdraw(session: Session, policy_id: int, reason: str, actor: Actor, now: datetime) -> dict:
    """A published policy stops matching; its matches are dropped by the re-match that follows."""
    lifecycle.check_withdrawable(get(session, policy_id, for_update=True))
    session.execute(update(policies).where(policies.c.id == policy_id)
                    .values(status=PolicyStatus.withdrawn, withdrawn_reason=reason, updated_at=now,
                            revision=revisions.take(session)))
    withdrawn = get(session, policy_id)
    _record_version(session, withdrawn, actor, now, keep_version=True)
    return withdrawn


def expire_due(session: Session, today: date, now: datetime) -> list[dict]:
    """Published policies whose `valid_to` has passed become expired; returns them."""
    due = session.execute(select(policies.c.id).where(policies.c.status == PolicyStatus.published,
                                                      policies.c.valid_to < today.isoformat())
                          .with_for_update()).scalars().all()
    expired = []
    for policy_id in due:
        session.execute(update(policies).where(policies.c.id == policy_id)
                        .values(status=PolicyStatus.expired, updated_at=now, revision=revisions.take(session)))
        policy = get(session, policy_id)
        _record_version(session, policy, None, now, keep_version=True)
        expired.append(policy)
    return expired


def start_due(session: Session, today: date, now: datetime) -> list[dict]:
    """Published policies whose `valid_from` day (China) has come and that have not started: those published
    before that day start now and are returned (their re-match pushes them, once); those that were live when
    published (rows from before `started_at` was kept) are only marked."""
    due = session.execute(select(policies.c.id, policies.c.valid_from, policies.c.published_at)
                          .where(policies.c.status == PolicyStatus.published, policies.c.started_at.is_(None),
                                 policies.c.valid_from <= today.isoformat())
                          .with_for_update()).all()
    started = []
    for row in due:
        if lifecycle.live_when_published(row.valid_from, row.published_at):
            session.execute(update(policies).where(policies.c.id == row.id).values(started_at=row.published_at))
            continue
        session.execute(update(policies).where(policies.c.id == row.id).values(started_at=now))
        started.append(get(session, row.id))
    return started


def live_rules(session: Session, today: date) -> list:
    """(id, title, version, eligibility) of every policy that matches today: published and within its validity."""
    iso = today.isoformat()
    return session.execute(select(policies.c.id, policies.c.title, policies.c.version, policies.c.eligibility)
                           .where(and_(policies.c.status == PolicyStatus.published, policies.c.valid_from <= iso,
                                       policies.c.valid_to >= iso))).all()


def policy_started_at(session: Session, policy_id: int) -> datetime | None:
    return session.execute(select(policies.c.started_at).where(policies.c.id == policy_id)).scalar()


def _record_version(session: Session, policy: dict, actor: Actor | None, now: datetime,
                    keep_version: bool = False) -> None:
    """Every revision is kept, with who made it; a status change without a revision updates that
    version's snapshot (`actor` is then not asked for: the version keeps its author)."""
    key = {"policy_id": policy["id"], "version": policy["version"]}
    if keep_version:
        session.execute(update(policy_versions).where(policy_versions.c.policy_id == policy["id"],
                                                      policy_versions.c.version == policy["version"])
                        .values(snapshot=policy))
        return
    session.execute(insert(policy_versions), {**key, "snapshot": policy, "actor": actor.model_dump(mode="json"),
                                              "at": now})


def versions(session: Session, policy_id: int) -> list[dict]:
    get(session, policy_id)
    rows = session.execute(select(policy_versions).where(policy_versions.c.policy_id == policy_id)
                           .order_by(policy_versions.c.version.desc()))
    return [{"version": row.version, "at": row.at.isoformat(), "actor": row.actor, "policy": row.snapshot}
            for row in rows]


def get_many(session: Session, policy_ids: list[int]) -> list[dict]:
    """The policies of `policy_ids` that exist, in no particular order."""
    return [public(row) for row in session.execute(select(policies).where(policies.c.id.in_(policy_ids)))]


def changed_since(session: Session, revision: int | None) -> list[int]:
    """The policies changed after the change counter's `revision`; every one when None (rows older
    than the counter have no revision)."""
    changed = select(policies.c.id)
    if revision is not None:
        changed = changed.where(policies.c.revision > revision)
    return list(session.execute(changed).scalars())


def published_flags(session: Session) -> dict[str, list[int]]:
    """Published policies (`published`) and which of them are proactive (`proactive`)."""
    rows = session.execute(select(policies.c.id, policies.c.proactive)
                           .where(policies.c.status == PolicyStatus.published)).all()
    return {"published": [row.id for row in rows], "proactive": [row.id for row in rows if row.proactive]}


def get(session: Session | Connection, policy_id: int, for_update: bool = False) -> dict:
    row = session.execute(_POLICY_LOCKED if for_update else _POLICY, {"p_id": policy_id}).first()
    if row is None:
        raise NotFound(f"no policy {policy_id}", {"policy_id": policy_id})
    return public(row)


def public(row) -> dict:
    policy = dict(row._mapping)
    policy.pop("revision", None)   # bookkeeping for in-memory copies, not part of the policy
    for name in ("created_at", "updated_at", "published_at", "started_at"):
        policy[name] = policy[name] and policy[name].isoformat()
    return policy


def live_policies(session: Session, today: date) -> list[dict]:
    """What an enterprise is shown of every policy that matches today (`live_rules`), with its rule,
    newest first."""
    iso = today.isoformat()
    rows = session.execute(select(policies.c.id, policies.c.title, policies.c.department, policies.c.level,
                                  policies.c.county, policies.c.redeemable, policies.c.proactive,
                                  policies.c.valid_to, policies.c.eligibility)
                           .where(and_(policies.c.status == PolicyStatus.published, policies.c.valid_from <= iso,
                                       policies.c.valid_to >= iso))
                           .order_by(policies.c.id.desc())).all()
    return [dict(row._mapping) for row in rows]
