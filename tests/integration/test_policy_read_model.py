"""The policy service's read model keeps each enterprise's newest snapshot, on SQLite and PostgreSQL:
a first snapshot is added, a newer one replaces its facts, tags and codes (what it no longer has is
gone), an older one changes nothing, and enterprises first seen beside known ones in one batch."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.policy import read_model
from services.policy.models import enterprise_codes, enterprise_tags
from shared.contracts.events import EnterpriseSnapshot

KNOWN, NEW = "91371600MA00000001", "91371600MA00000002"
HIGH_TECH, SPECIALISED, SMALL_TECH = "高新技术企业", "专精特新", "科技型中小企业"


@pytest.fixture
def engine(service_engine):
    return service_engine("policy")


def snapshot(uscc: str, version: int, tags: list[str], qualifications: list[str]) -> EnterpriseSnapshot:
    return EnterpriseSnapshot(uscc=uscc, version=version, status="active", tags=tags,
                              facts={"name": "滨州某公司", "employees": 10 * version, "qualifications": qualifications})


def rows(engine, table) -> set[tuple]:
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(select(*(column for column in table.c)))}


def store(engine, *snapshots: EnterpriseSnapshot) -> list[str]:
    with Session(engine) as session, session.begin():
        return [fresh.uscc for fresh in read_model.store(session, list(snapshots))]


def test_a_newer_snapshot_replaces_what_the_enterprise_had(engine):
    assert store(engine, snapshot(KNOWN, 1, ["scale.small", "interest.financing"], [HIGH_TECH, SPECIALISED])) == [KNOWN]
    # the known enterprise loses a tag and a code; a new one arrives in the same batch
    assert store(engine, snapshot(KNOWN, 2, ["scale.small"], [HIGH_TECH]),
                 snapshot(NEW, 1, ["scale.medium"], [SMALL_TECH])) == [KNOWN, NEW]
    assert rows(engine, enterprise_tags) == {(KNOWN, "scale.small"), (NEW, "scale.medium")}
    assert rows(engine, enterprise_codes) == {(KNOWN, "qualifications", HIGH_TECH), (NEW, "qualifications", SMALL_TECH)}
    with Session(engine) as session:
        facts = {"name": "滨州某公司", "employees": 20, "qualifications": [HIGH_TECH]}
        assert read_model.load(session, KNOWN) == (facts, {"scale.small"}, 2)

    # an older snapshot, arriving late, changes nothing
    assert store(engine, snapshot(KNOWN, 1, ["scale.large"], ["瞪羚企业"])) == []
    assert rows(engine, enterprise_tags) == {(KNOWN, "scale.small"), (NEW, "scale.medium")}
