"""Deciding who matches what, in both directions, and recording it.

- enterprises whose data changed: each against every live policy, through an in-memory
  `PolicyIndex` that only evaluates rules whose required tags the enterprise has;
- a newly published policy: against every enterprise in one SQL query over the read model.

Both directions run under one lock per process and refresh the index first, so a policy
published while a batch of enterprises is being matched is never missed by both.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import eventlet
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from services.policy import read_model, revisions
from services.policy.domain import lifecycle
from services.policy.models import enterprise_facts, matches, policies
from shared import eligibility
from shared.contracts.events import EnterpriseSnapshot, MatchesChanged
from shared.database import database_time, fast_delete, fast_insert
from shared.turns import LiveFirstLock

EVENT_CHUNK = 5000          # enterprises per MatchesChanged when a policy is published
ENTERPRISES_PER_EVENT = 1000  # enterprises per MatchesChanged when enterprises changed
YIELD_EVERY = 100  # enterprise codes per MatchesChanged event when a policy is published


def live(today: date):
    """The condition for a policy that matches today: published and within its validity."""
    iso = today.isoformat()
    return and_(policies.c.status == "published", policies.c.valid_from <= iso, policies.c.valid_to >= iso)


class Matcher:
    def __init__(self):
        self.lock = LiveFirstLock()   # `with lock:` live work, `with lock.bulk():` bulk work
        self.index: eligibility.PolicyIndex[int] = eligibility.PolicyIndex()
        self.meta: dict[int, tuple[str, int]] = {}  # policy id -> (title, version)
        self._stamp = None

    def refresh(self, session: Session, today: date) -> None:
        """Rebuild the index when the set of live policies may have changed (cheap to check).

        By the policies' change counter, not their `updated_at`: timestamps can commit out of
        order, which left an old rule here. The counter is read before the policies, so the index
        is never older than its stamp."""
        stamp = (today, revisions.current(session))
        if stamp == self._stamp:
            return
        index: eligibility.PolicyIndex[int] = eligibility.PolicyIndex()
        meta = {}
        for row in session.execute(select(policies.c.id, policies.c.title, policies.c.version,
                                          policies.c.eligibility).where(live(today))):
            index.put(row.id, lifecycle.stored_rule(row.eligibility))
            meta[row.id] = (row.title, row.version)
        self.index, self.meta, self._stamp = index, meta, stamp

    def match_enterprises(self, session: Session, snapshots: list[EnterpriseSnapshot], today: date,
                          now: datetime) -> list[MatchesChanged]:
        fresh = read_model.store(session, snapshots)
        if not fresh:
            return []
        self.refresh(session, today)
        changes = []
        for start in range(0, len(fresh), ENTERPRISES_PER_EVENT):
            changed = self._match_some(session, fresh[start:start + ENTERPRISES_PER_EVENT], now)
            if changed is not None:
                changes.append(changed)
        return changes

    def _match_some(self, session: Session, fresh: list[EnterpriseSnapshot], now: datetime) -> MatchesChanged | None:
        wanted = set()
        for position, snapshot in enumerate(fresh):
            if position % YIELD_EVERY == YIELD_EVERY - 1:
                eventlet.sleep(0)  # CPU work: let heartbeats and RPC replies through
            if snapshot.status == "active":
                wanted.update((snapshot.uscc, policy_id)
                              for policy_id in self.index.matching(snapshot.facts, snapshot.tags))
        current = set()
        for part in read_model.chunks([snapshot.uscc for snapshot in fresh]):
            current.update(session.execute(select(matches.c.uscc, matches.c.policy_id)
                                           .where(matches.c.uscc.in_(part))).all())
        versions = {snapshot.uscc: snapshot.version for snapshot in fresh}
        return self._record(session, wanted - current, current - wanted, versions, now)

    def match_policy(self, session: Session, policy_id: int, today: date, now: datetime) -> list[MatchesChanged]:
        self.refresh(session, today)
        wanted: dict[str, int] = {}
        if policy_id in self.meta:
            rule = self.index.get(policy_id)
            condition = eligibility.to_sql(rule, column=read_model.column, has_tag=read_model.has_tag,
                                           has_code=read_model.has_code, has_fact=read_model.has_fact)
            wanted = dict(session.execute(select(enterprise_facts.c.uscc, enterprise_facts.c.version)
                                          .where(enterprise_facts.c.active, condition)).all())
            # the enterprises that still match were decided again, on this version
            session.execute(update(matches).where(matches.c.policy_id == policy_id,
                                                  matches.c.policy_version != self.meta[policy_id][1])
                            .values(policy_version=self.meta[policy_id][1]))
        current = set(session.execute(select(matches.c.uscc).where(matches.c.policy_id == policy_id)).scalars())
        gained = sorted(set(wanted) - current)
        lost = sorted(current - set(wanted))
        events = []
        for start in range(0, max(len(gained), len(lost)), EVENT_CHUNK):
            part_gained, part_lost = gained[start:start + EVENT_CHUNK], lost[start:start + EVENT_CHUNK]
            event = self._record(session, {(uscc, policy_id) for uscc in part_gained},
                                 {(uscc, policy_id) for uscc in part_lost},
                                 {uscc: wanted[uscc] for uscc in part_gained}, now)
            if event is not None:
                events.append(event)
        return events

    def _record(self, session: Session, gained: set[tuple[str, int]], lost: set[tuple[str, int]],
                profile_versions: dict[str, int], now: datetime) -> MatchesChanged | None:
        if not gained and not lost:
            return None
        stamp = database_time(session.bind.dialect.name, now)
        fast_insert(session, matches, ("uscc", "policy_id", "policy_version", "profile_version", "matched_at"),
                    [(uscc, policy_id, self.meta[policy_id][1], profile_versions[uscc], stamp)
                     for uscc, policy_id in sorted(gained)])  # in key order: B-tree inserts stay local
        fast_delete(session, matches, ("uscc", "policy_id"), list(lost))
        matched, unmatched = defaultdict(list), defaultdict(list)
        for uscc, policy_id in sorted(gained):
            matched[policy_id].append(uscc)
        for uscc, policy_id in sorted(lost):
            unmatched[policy_id].append(uscc)
        return MatchesChanged(
            matched=dict(matched), unmatched=dict(unmatched),
            titles={policy_id: self.meta[policy_id][0] for policy_id in matched},
            policy_versions={policy_id: self.meta[policy_id][1] for policy_id in matched},
            profile_versions={uscc: profile_versions[uscc] for uscc, _ in gained})
