"""The register of departments (contract section 6), which the city administrator keeps.

A policy's `department` and a department staff account's must be a code held here, so a typo
is refused (422) instead of becoming a new department. The default register, the city's
departments, is data (`departments.json`), added on start to a register that has never held
each code; a name the administrator changed is kept.
"""
from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from functools import cache
from importlib import resources

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.policy.models import departments
from shared.contracts.actors import Actor
from shared.contracts.departments import CODE_RULE
from shared.database import insert_ignoring_duplicates
from shared.errors import Invalid

DEFAULT_RESOURCE = ("services.policy", "departments.json")
SHOWN_UNKNOWN = 40   # known codes listed in a refusal: enough to spot the intended one


@cache
def default_register() -> tuple[tuple[str, str], ...]:
    """(code, name) of the city's departments."""
    package, name = DEFAULT_RESOURCE
    data = json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
    return tuple((entry["code"], entry["name"]) for entry in data["departments"])


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


def check(code: str, known: Collection[str]) -> None:
    """Invalid (422) naming `department` unless the register holds `code`."""
    if code not in known:
        raise unknown(code, known)


def unknown(code: str, known: Collection[str]) -> Invalid:
    shown = sorted(known)[:SHOWN_UNKNOWN]
    return Invalid(f"department {code!r} is not in the register of departments; the city administrator adds one "
                   f"with PUT /api/v1/departments/{{code}} ({CODE_RULE}). Known: {', '.join(shown)}",
                   [{"field": "department", "message": f"unknown department {code!r}: not in GET /api/v1/departments"}])


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
