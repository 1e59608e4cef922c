"""What the hall knows of each redeemable policy's budget: the budget (from the policy's newest version it
has seen), and the sums approved (committed) and paid out (disbursed) against it."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Row

from services.application.models import budgets
from shared.database import Money, SessionOrConnection, dialect_of, insert_ignoring_duplicates
from shared.money import ZERO


def _upsert(dialect_name: str):
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(budgets)
    return statement.on_conflict_do_update(
        index_elements=[budgets.c.policy_id], where=statement.excluded.policy_version > budgets.c.policy_version,
        set_={"budget": statement.excluded.budget, "policy_version": statement.excluded.policy_version})


_LOCKED = budgets.select().where(budgets.c.policy_id == bindparam("p_policy")).with_for_update()
# A policy's budget row is made by its first application, or its first revision. A submission leaves
# an existing row as it is (and unlocked: an upsert would lock it, queueing every submission to the
# policy behind the others' commits); a revision sets the budget unless the row has a newer version's.
# The committed and disbursed sums are never touched here.
_ENSURE = {dialect: insert_ignoring_duplicates(dialect, budgets) for dialect in ("sqlite", "postgresql")}
_SET = {dialect: _upsert(dialect) for dialect in ("sqlite", "postgresql")}
_COMMIT = update(budgets).where(budgets.c.policy_id == bindparam("p_policy")).values(
    committed=budgets.c.committed + bindparam("p_amount", type_=Money()))
_DISBURSE = update(budgets).where(budgets.c.policy_id == bindparam("p_policy")).values(
    disbursed=budgets.c.disbursed + bindparam("p_amount", type_=Money()))


def _row(policy: Mapping[str, Any]) -> dict[str, Any]:
    return {"policy_id": policy["id"], "budget": policy["budget"], "committed": ZERO, "disbursed": ZERO,
            "policy_version": policy["version"]}


def ensure(session: SessionOrConnection, policy: Mapping[str, Any]) -> None:
    """The policy's budget row, made from `policy` (as the policy service describes it) unless it exists."""
    session.execute(_ENSURE[dialect_of(session)], _row(policy))


def revise(session: SessionOrConnection, policy: Mapping[str, Any]) -> None:
    """The budget of a revised policy, unless the row has a newer version's already."""
    session.execute(_SET[dialect_of(session)], _row(policy))


def lock(session: SessionOrConnection, policy_id: int) -> Row:
    """The policy's budget row, locked until the transaction ends: approvals against it take turns."""
    return session.execute(_LOCKED, {"p_policy": policy_id}).one()


def commit(session: SessionOrConnection, policy_id: int, amount: Decimal) -> None:
    """Add `amount` (negative: give it back) to what is approved against the policy's budget."""
    session.execute(_COMMIT, {"p_policy": policy_id, "p_amount": amount})


def disburse(session: SessionOrConnection, policy_id: int, amount: Decimal) -> None:
    session.execute(_DISBURSE, {"p_policy": policy_id, "p_amount": amount})
