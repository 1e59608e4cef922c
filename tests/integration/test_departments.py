"""The register of departments on SQLite and PostgreSQL: seeded with the city's departments once,
added to and renamed by the administrator, a renamed default kept when the service starts again."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from services.policy import department_store
from services.policy.domain.departments import default_register
from shared.contracts.actors import Actor, Role
from shared.errors import Invalid

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
ADMIN = Actor(role=Role.city_admin, id="city-admin")


@pytest.fixture
def engine(service_engine):
    return service_engine("policy")


def test_the_register_is_seeded_once_and_kept_by_the_administrator(engine):
    with Session(engine) as session, session.begin():
        department_store.seed(session, NOW)
    with Session(engine) as session:
        assert {(item["code"], item["name"]) for item in department_store.listing(session)} == \
            set(default_register())
        assert department_store.get(session, "hrss")["origin"] == "default"
        with pytest.raises(Invalid) as refused:
            department_store.get(session, "hrs")
        assert refused.value.details[0]["field"] == "department"

    with Session(engine) as session, session.begin():
        added, was_new = department_store.put(session, "dept_new", "滨州市新设局", ADMIN, NOW)
        renamed, renamed_new = department_store.put(session, "hrss", "滨州市人社局", ADMIN, NOW)
    assert (added["origin"], was_new, renamed_new) == ("staff", True, False)
    assert renamed == {**renamed, "name": "滨州市人社局", "origin": "default"}

    with Session(engine) as session, session.begin():
        department_store.seed(session, NOW)   # the service starts again
    with Session(engine) as session:
        assert department_store.get(session, "hrss")["name"] == "滨州市人社局"
        assert "dept_new" in department_store.codes(session)
        assert len(department_store.listing(session)) == len(default_register()) + 1
