"""A closed round's results as kept: one row per unit, its score, rank, rank range, dimensions, sources and
the platform counts they came from. Derived data: closing (or a replay) writes them all at once."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select

from services.evaluation.models import results
from shared.contracts.evaluation import UnitKind
from shared.database import SessionOrConnection

# the answer's lists, by unit kind
LISTS = {UnitKind.department: "departments", UnitKind.county: "counties", UnitKind.policy: "policies"}


def replace(session: SessionOrConnection, evaluation_id: int, rows: Sequence[dict]) -> None:
    session.execute(delete(results).where(results.c.evaluation_id == evaluation_id))
    if rows:
        session.execute(insert(results), [{"evaluation_id": evaluation_id, **row} for row in rows])


def entries(session: SessionOrConnection, evaluation_id: int) -> dict[str, list[dict]]:
    """The results by list (`departments`, `counties`, `policies`), each in rank order (unranked last)."""
    found: dict[str, list[dict]] = {name: [] for name in LISTS.values()}
    rows = session.execute(select(results).where(results.c.evaluation_id == evaluation_id)
                           .order_by(results.c.unit_kind, results.c.position))
    for row in rows:
        found[LISTS[UnitKind(row.unit_kind)]].append({
            "unit": row.unit, "name": row.name, "score": row.score, "rank": row.rank,
            "rank_range": None if row.rank_best is None else [row.rank_best, row.rank_worst],
            "dimensions": row.dimensions, "sources": row.sources})
    return found


def outcomes(session: SessionOrConnection, evaluation_id: int) -> dict[tuple[str, str], dict]:
    """The platform counts behind each unit's results."""
    query = select(results.c.unit_kind, results.c.unit, results.c.outcomes).where(
        results.c.evaluation_id == evaluation_id)
    return {(row.unit_kind, row.unit): row.outcomes for row in session.execute(query)}
