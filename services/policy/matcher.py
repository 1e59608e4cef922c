"""The matcher each process keeps: deciding who matches what, in both directions, and recording it.

- enterprises whose data changed: each against every live policy, through an in-memory
  `PolicyIndex` that only evaluates rules whose required tags the enterprise has;
- a newly published policy: against every enterprise in one SQL query over the read model.

Both directions run under one lock and refresh the index first, so a policy published while a
batch of enterprises is being matched is never missed by both, and two batches holding the same
enterprise never compute their diffs from the same old matches. The lock is two: the process's
`LiveFirstLock` (live work first, and no worker holds a connection while another of its process
matches), then, on PostgreSQL, the database's advisory lock `MATCHING_LOCK` for the transaction
(`serialise`), which every replica of the service takes: the index refreshes after it is held, so
it sees every policy committed by another replica before. SQLite is one process by nature (one
writer per file, `huiqi run` refuses replicas on it), so its in-process lock is enough.
"""
from __future__ import annotations

from datetime import date, datetime

import eventlet
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.policy import match_store, policy_store, read_model, revisions
from services.policy.domain import lifecycle
from services.policy.domain.matching import Pair, PolicyMeta, matches_changed, matching_policies
from shared import eligibility
from shared.contracts.events import EnterpriseSnapshot, MatchesChanged
from shared.database import dialect_of
from shared.turns import LiveFirstLock

EVENT_CHUNK = 5000          # enterprises per MatchesChanged when a policy is published
ENTERPRISES_PER_EVENT = 1000  # enterprises per MatchesChanged when enterprises changed
YIELD_EVERY = 100  # enterprise codes per MatchesChanged event when a policy is published
# The key of the advisory lock both matching directions hold (in the policy service's own database,
# so any constant): one lock, not a shared one per enterprise batch, because batches of a bulk
# synchronisation hold a thousand random enterprises each, and any two of them would share a bucket
# of a per-enterprise lock anyway (docs/scaling.md, "Replicas and ordering").
MATCHING_LOCK = 0x4875_6971_6D61   # "Huiqma"
_TAKE_MATCHING_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def serialise(session: Session) -> None:
    """Hold the matching lock of every replica until this transaction ends (PostgreSQL; SQLite is one
    process, serialised by the matcher's own lock). Taken before anything is read: what another
    replica committed before it is seen, what it commits after waits for this one."""
    if dialect_of(session) == "postgresql":
        session.execute(_TAKE_MATCHING_LOCK, {"key": MATCHING_LOCK})


class Matcher:
    def __init__(self):
        self.lock = LiveFirstLock()   # `with lock:` live work, `with lock.bulk():` bulk work
        self.index: eligibility.PolicyIndex[int] = eligibility.PolicyIndex()
        self.meta: dict[int, PolicyMeta] = {}  # policy id -> (title, version)
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
        for row in policy_store.live_rules(session, today):
            index.put(row.id, lifecycle.stored_rule(row.eligibility))
            meta[row.id] = (row.title, row.version)
        self.index, self.meta, self._stamp = index, meta, stamp

    def match_enterprises(self, session: Session, snapshots: list[EnterpriseSnapshot], today: date,
                          now: datetime) -> list[MatchesChanged]:
        serialise(session)
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
            wanted.update((snapshot.uscc, policy_id) for policy_id in matching_policies(snapshot, self.index))
        current = match_store.of_enterprises(session, [snapshot.uscc for snapshot in fresh])
        versions = {snapshot.uscc: snapshot.version for snapshot in fresh}
        return self._record(session, wanted - current, current - wanted, versions, now)

    def match_policy(self, session: Session, policy_id: int, today: date, now: datetime) -> list[MatchesChanged]:
        serialise(session)
        self.refresh(session, today)
        wanted: dict[str, int] = {}
        if policy_id in self.meta:
            wanted = read_model.holding(session, self.index.get(policy_id))
            match_store.restamp(session, policy_id, self.meta[policy_id][1])
        current = match_store.of_policy(session, policy_id)
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

    def _record(self, session: Session, gained: set[Pair], lost: set[Pair], profile_versions: dict[str, int],
                now: datetime) -> MatchesChanged | None:
        if not gained and not lost:
            return None
        policy_versions = {policy_id: self.meta[policy_id][1] for _uscc, policy_id in gained}
        match_store.record(session, gained, lost, policy_versions, profile_versions, now)
        return matches_changed(gained, lost, self.meta, profile_versions)
