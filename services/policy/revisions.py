"""The policies' change counter: what in-memory copies of the policies table refresh by.

Every transaction that changes a policy takes the next revision (`take`) and writes it on the row.
The counter's one row stays locked until that transaction ends, so revisions commit in the order
they were taken: a reader that saw the counter at N sees every change numbered N or less, and the
rows changed since are exactly those with a revision above N. Timestamps promise neither (a clock
moved back, or a transaction that took its time before committing), and the counter lives in the
database, so every replica of the policy service reads the same one.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.policy.models import policy_changes
from shared.database import insert_ignoring_duplicates

_ROW = 1


def take(session: Session) -> int:
    """The next revision, for a change made in this transaction (which holds the counter until it ends)."""
    bump = update(policy_changes).where(policy_changes.c.id == _ROW).values(revision=policy_changes.c.revision + 1)
    if session.execute(bump).rowcount == 0:   # a database older than the counter, or a new one
        session.execute(insert_ignoring_duplicates(session.bind.dialect.name, policy_changes)
                        .values(id=_ROW, revision=0))
        session.execute(bump)
    return session.execute(select(policy_changes.c.revision).where(policy_changes.c.id == _ROW)).scalar_one()


def current(session: Session) -> int:
    """The newest revision committed (0 before the first change)."""
    return session.execute(select(policy_changes.c.revision).where(policy_changes.c.id == _ROW)).scalar() or 0
