"""Policy search: an in-memory `SearchIndex` per process, kept in step with the policies table.

A search asks the table for a cheap stamp (row count and newest `updated_at`) at most every
`STAMP_EVERY_S`, or at once after this process changed a policy (`changed()`); when the stamp
moved, or every `RECHECK_S` anyway (a transaction that commits late with an older `updated_at`
leaves the stamp as it was), the ids and `updated_at` of all policies are compared with what the
index holds and only the changed policies are read again. So every replica of the policy service
sees its own changes at once and every other replica's within a second, without any message
between them.
"""
from __future__ import annotations

import time
from datetime import date

import eventlet
from eventlet.semaphore import Semaphore
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.policy import catalogue
from services.policy.models import policies
from services.policy.read_model import chunks
from services.policy.search_index import PolicyDoc, SearchIndex, SearchQuery

STAMP_EVERY_S = 1.0
RECHECK_S = 5.0
# What a search answer shows of each policy: enough to list it, not its body or rule.
LISTED = ("id", "title", "department", "department_name", "level", "county", "summary", "status", "version",
          "valid_from", "valid_to", "redeemable", "proactive", "subsidy", "budget", "exclusive_group", "tags_used",
          "updated_at", "published_at")


class PolicySearch:
    def __init__(self) -> None:
        self.index = SearchIndex()
        self.listed: dict[int, dict] = {}
        self._seen: dict[int, object] = {}   # policy id -> the updated_at the index holds
        self._stamp = None
        self._checked_at = float("-inf")
        self._stamped_at = float("-inf")
        self._refreshing = Semaphore(1)

    def changed(self) -> None:
        """This process changed a policy: the next search looks at the table again."""
        self._stamped_at = float("-inf")

    def refresh(self, session: Session) -> None:
        if time.monotonic() - self._stamped_at < STAMP_EVERY_S:
            return
        self._stamped_at = time.monotonic()
        stamp = tuple(session.execute(select(func.count(), func.max(policies.c.updated_at))).one())
        if stamp == self._stamp and time.monotonic() - self._checked_at < RECHECK_S:
            return
        with self._refreshing:
            current = dict(session.execute(select(policies.c.id, policies.c.updated_at)).tuples().all())
            changed = [policy_id for policy_id, at in current.items() if self._seen.get(policy_id) != at]
            for part in chunks(changed, 200):
                for row in session.execute(select(policies).where(policies.c.id.in_(part))):
                    policy = catalogue.public(row)
                    self.index.put(PolicyDoc.from_policy(policy))
                    self.listed[policy["id"]] = {name: policy[name] for name in LISTED}
                eventlet.sleep(0)  # a first build of thousands of policies must not starve the process
            for gone in set(self._seen) - set(current):
                self.index.remove(gone)
                self.listed.pop(gone, None)
            self._seen, self._stamp, self._checked_at = current, stamp, time.monotonic()

    def search(self, session: Session, *, q: str | None = None, department: str | None = None,
               level: str | None = None, county: str | None = None, tag: str | None = None,
               status: str | None = None, redeemable: bool | None = None, valid_on: str | None = None,
               hide_drafts: bool = False, limit: int = 20, offset: int = 0) -> dict:
        self.refresh(session)
        found = self.index.search(SearchQuery(
            q=q, department=department, level=level, county=county, tag=tag, status=status, redeemable=redeemable,
            valid_on=date.fromisoformat(valid_on) if valid_on else None, hide_drafts=hide_drafts,
            limit=limit, offset=offset))
        items = [{**self.listed[policy_id], **({"snippet": found.snippets[policy_id]}
                                               if policy_id in found.snippets else {})}
                 for policy_id in found.ids]
        return {"items": items, "total": found.total}
