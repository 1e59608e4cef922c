"""The register of departments on SQLite and PostgreSQL: seeded with the city's departments once,
added to and renamed by the administrator, a renamed default kept when the service starts again."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from services.policy import departments
from services.policy.models import metadata
from shared.contracts.actors import Actor, Role
from shared.errors import Invalid

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
ADMIN = Actor(role=Role.city_admin, id="city-admin")


@pytest.fixture
def engine(service_engine):
    return service_engine("policy", metadata)


def test_the_register_is_seeded_once_and_kept_by_the_administrator(engine):
    with Session(engine) as session, session.begin():
        departments.seed(session, NOW)
    with Session(engine) as session:
        assert {(item["code"], item["name"]) for item in departments.listing(session)} == \
            set(departments.default_register())
        assert departments.get(session, "hrss")["origin"] == "default"
        with pytest.raises(Invalid) as refused:
            departments.get(session, "hrs")
        assert refused.value.details[0]["field"] == "department"

    with Session(engine) as session, session.begin():
        added, was_new = departments.put(session, "dept_new", "滨州市新设局", ADMIN, NOW)
        renamed, renamed_new = departments.put(session, "hrss", "滨州市人社局", ADMIN, NOW)
    assert (added["origin"], was_new, renamed_new) == ("staff", True, False)
    assert renamed == {**renamed, "name": "滨州市人社局", "origin": "default"}

    with Session(engine) as session, session.begin():
        departments.seed(session, NOW)   # the service starts again
    with Session(engine) as session:
        assert departments.get(session, "hrss")["name"] == "滨州市人社局"
        assert "dept_new" in departments.codes(session)
        assert len(departments.listing(session)) == len(departments.default_register()) + 1
