"""The matches table: which enterprise matches which live policy, decided on which versions, since when.

The matcher writes it (`record`, `restamp`); the entrypoints read an enterprise's matches and the
application hall asks which enterprises match a policy now."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.policy.models import matches, policies
from services.policy.read_model import chunks
from shared.database import database_time, fast_delete, fast_insert

Pair = tuple[str, int]   # (uscc, policy id)

# built once: asked once per submitted application
_MATCHED = select(matches.c.uscc).where(matches.c.policy_id == bindparam("p_policy"),
                                        matches.c.uscc.in_(bindparam("p_usccs", expanding=True)))
# one enterprise, the usual ask: `==` needs no IN list rendered on every execution, as expanding IN does
_MATCHED_ONE = select(matches.c.uscc).where(matches.c.policy_id == bindparam("p_policy"),
                                            matches.c.uscc == bindparam("p_uscc"))


def of_enterprises(session: Session, usccs: list[str]) -> set[Pair]:
    """Every (uscc, policy id) matched now among the enterprises."""
    pairs: set[Pair] = set()
    for part in chunks(usccs):
        pairs.update(session.execute(select(matches.c.uscc, matches.c.policy_id).where(matches.c.uscc.in_(part))))
    return pairs


def of_policy(session: Session, policy_id: int) -> set[str]:
    """The enterprises matching the policy now."""
    return set(session.execute(select(matches.c.uscc).where(matches.c.policy_id == policy_id)).scalars())


def matched_among(session: Session | Connection, policy_id: int, usccs: list[str]) -> set[str]:
    """Which of `usccs` match the policy now."""
    distinct = list(dict.fromkeys(usccs))
    if len(distinct) == 1:
        found = session.execute(_MATCHED_ONE, {"p_policy": policy_id, "p_uscc": distinct[0]}).first()
        return set() if found is None else {distinct[0]}
    matched: set[str] = set()
    for part in chunks(distinct):
        matched.update(session.execute(_MATCHED, {"p_policy": policy_id, "p_usccs": part}).scalars())
    return matched


def restamp(session: Session, policy_id: int, version: int) -> None:
    """The policy's matches that still hold were decided again, on this version."""
    session.execute(update(matches).where(matches.c.policy_id == policy_id, matches.c.policy_version != version)
                    .values(policy_version=version))


def record(session: Session, gained: Iterable[Pair], lost: Iterable[Pair], policy_versions: dict[int, int],
           profile_versions: dict[str, int], now: datetime) -> None:
    stamp = database_time(session.bind.dialect.name, now)
    fast_insert(session, matches, ("uscc", "policy_id", "policy_version", "profile_version", "matched_at"),
                [(uscc, policy_id, policy_versions[policy_id], profile_versions[uscc], stamp)
                 for uscc, policy_id in sorted(gained)])  # in key order: B-tree inserts stay local
    fast_delete(session, matches, ("uscc", "policy_id"), list(lost))


def with_policies(session: Session, uscc: str) -> list[dict]:
    """The enterprise's matches, newest first, each with its policy's row (`matched_at` a datetime)."""
    rows = session.execute(select(matches.c.matched_at, matches.c.policy_version, matches.c.profile_version, policies)
                           .join(policies, policies.c.id == matches.c.policy_id)
                           .where(matches.c.uscc == uscc).order_by(matches.c.matched_at.desc(), policies.c.id))
    return [dict(row._mapping) for row in rows]


def one(session: Session, uscc: str, policy_id: int) -> dict | None:
    """The match of the enterprise with the policy, or None."""
    row = session.execute(select(matches).where(matches.c.uscc == uscc, matches.c.policy_id == policy_id)).first()
    return None if row is None else dict(row._mapping)


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(matches)).scalar_one()
