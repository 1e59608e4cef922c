"""The register of departments as the policy database keeps it: seeded with the default register
(`domain.departments`) on start, added to and renamed by the city administrator."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.policy.domain.departments import default_register, unknown
from services.policy.models import departments
from shared.contracts.actors import Actor
from shared.database import insert_ignoring_duplicates


def seed(session: Session, now: datetime) -> None:
    """Add the default departments the register does not hold (safe when replicas start together)."""
    statement = insert_ignoring_duplicates(session.bind.dialect.name, departments)
    session.execute(statement, [{"code": code, "name": name, "origin": "default", "updated_at": now,
                                 "updated_by": None} for code, name in default_register()])


def listing(session: Session) -> list[dict]:
    return [_public(row) for row in session.execute(select(departments).order_by(departments.c.code))]


def codes(session: Session) -> frozenset[str]:
    return frozenset(session.execute(select(departments.c.code)).scalars())


def get(session: Session, code: str) -> dict:
    """The department, or Invalid naming `department` (422) when the register does not hold it."""
    row = session.execute(select(departments).where(departments.c.code == code)).first()
    if row is None:
        raise unknown(code, codes(session))
    return _public(row)


def name(session: Session, code: str) -> str | None:
    """What the register calls the department `code`; None when it does not hold it."""
    return session.execute(select(departments.c.name).where(departments.c.code == code)).scalar()


def put(session: Session, code: str, name: str, actor: Actor, now: datetime) -> tuple[dict, bool]:
    """Add the department, or rename it; returns it and whether it was added."""
    values = {"name": name, "updated_at": now, "updated_by": actor.model_dump(mode="json")}
    # one statement that cannot fail on a duplicate: two administrators adding the same code at once
    added = session.execute(insert_ignoring_duplicates(session.bind.dialect.name, departments)
                            .values(code=code, origin="staff", **values)
                            .returning(departments.c.code)).first() is not None
    if not added:
        session.execute(update(departments).where(departments.c.code == code).values(**values))
    return _public(session.execute(select(departments).where(departments.c.code == code)).one()), added


def _public(row) -> dict:
    return {"code": row.code, "name": row.name, "origin": row.origin, "updated_at": row.updated_at.isoformat()}
