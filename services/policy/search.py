"""Policy search: an in-memory `SearchIndex` per process, kept in step with the policies table.

A search reads the policies' change counter (`revisions`) at most every `STAMP_EVERY_S`, or at
once after this process changed a policy (`changed()`); when it moved, only the policies changed
since the revision the index holds are read again. Revisions commit in the order they are taken,
so nothing committed late is skipped, whatever its `updated_at`. So every replica of the policy
service sees its own changes at once and every other replica's within a second, without any
message between them.
"""
from __future__ import annotations

import time
from datetime import date

import eventlet
from eventlet.semaphore import Semaphore
from sqlalchemy.orm import Session

from services.policy import policy_store, revisions
from services.policy.domain.search_index import PolicyDoc, SearchIndex, SearchQuery
from services.policy.read_model import chunks

STAMP_EVERY_S = 1.0
# What a search answer shows of each policy: enough to list it, not its body or rule.
LISTED = ("id", "title", "department", "department_name", "level", "county", "summary", "status", "version",
          "valid_from", "valid_to", "redeemable", "proactive", "subsidy", "budget", "exclusive_group", "tags_used",
          "updated_at", "published_at")


class PolicySearch:
    def __init__(self) -> None:
        self.index = SearchIndex()
        self.listed: dict[int, dict] = {}
        self._revision: int | None = None   # the policies' change counter as the index last read it
        self._stamped_at = float("-inf")
        self._refreshing = Semaphore(1)

    def changed(self) -> None:
        """This process changed a policy: the next search looks at the table again."""
        self._stamped_at = float("-inf")

    def refresh(self, session: Session) -> None:
        if time.monotonic() - self._stamped_at < STAMP_EVERY_S:
            return
        self._stamped_at = time.monotonic()
        revision = revisions.current(session)   # read first: the rows read below are at least this new
        if revision == self._revision:
            return
        with self._refreshing:
            if revision == self._revision:   # another green thread refreshed while this one waited
                return
            for part in chunks(policy_store.changed_since(session, self._revision), 200):
                for policy in policy_store.get_many(session, part):
                    self.index.put(PolicyDoc.from_policy(policy))
                    self.listed[policy["id"]] = {name: policy[name] for name in LISTED}
                eventlet.sleep(0)  # a first build of thousands of policies must not starve the process
            self._revision = revision

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
