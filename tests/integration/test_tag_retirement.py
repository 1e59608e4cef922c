"""Retiring a tag a published policy uses is refused by the tagging service itself (contract section
8), from the policy events it keeps, in the transaction that would retire the tag: on SQLite and
PostgreSQL. Before, the gateway asked the policy service and then told the tagging service, and a
policy published between the two calls kept a retired tag."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from services.tagging import catalogue_store, tag_uses
from shared.contracts.actors import Actor, Role
from shared.contracts.events import PolicyExpired, PolicyPublished, PolicyRevised, PolicyWithdrawn
from shared.errors import Conflict, NotFound

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
ADMIN = Actor(role=Role.city_admin, id="city-admin")
SMALL, MICRO = "scale.small", "scale.micro"


def published(policy_id: int, version: int, *tags: str) -> PolicyPublished:
    return PolicyPublished(policy_id=policy_id, version=version, title=f"政策{policy_id}", department="hrss",
                           tags_used=list(tags))


@pytest.fixture
def engine(service_engine):
    engine = service_engine("tagging")
    with Session(engine) as session, session.begin():
        catalogue_store.seed(session, NOW)
    return engine


def hear(engine, *events) -> list[str]:
    with Session(engine) as session, session.begin():
        return tag_uses.hear(session, list(events))


def retire(engine, code: str) -> int:
    with Session(engine) as session, session.begin():
        return catalogue_store.retire(session, code, ADMIN, NOW)


def refusal(engine, code: str) -> Conflict:
    with pytest.raises(Conflict) as refused:
        retire(engine, code)
    return refused.value


def test_a_tag_is_retired_once_no_published_policy_uses_it(engine):
    hear(engine, published(7, 1, SMALL), published(3, 2, SMALL, MICRO))
    refused = refusal(engine, SMALL)
    assert refused.message == f"published policies use tag {SMALL}; change their rules first: 3 政策3; 7 政策7"
    assert refused.details == {"code": SMALL, "policies": [{"id": 3, "title": "政策3", "department": "hrss"},
                                                           {"id": 7, "title": "政策7", "department": "hrss"}]}
    hear(engine, PolicyRevised(policy_id=7, version=2, title="政策7（修订）", department="hrss", tags_used=[MICRO]),
         PolicyWithdrawn(policy_id=3, version=2))
    assert refusal(engine, MICRO).details["policies"] == [{"id": 7, "title": "政策7（修订）", "department": "hrss"}]
    retire(engine, SMALL)
    hear(engine, PolicyExpired(policy_id=7, version=2))
    retire(engine, MICRO)


def test_late_events_bring_back_no_use(engine):
    hear(engine, PolicyWithdrawn(policy_id=5, version=1), published(5, 1, SMALL),   # withdrawal heard first
         published(6, 2, MICRO), published(6, 1, SMALL))                              # an older version late
    retire(engine, SMALL)
    assert refusal(engine, MICRO).details["policies"] == [{"id": 6, "title": "政策6", "department": "hrss"}]


def test_the_answers_for_an_unused_tag_stay_as_they_were(engine):
    with pytest.raises(NotFound):
        retire(engine, "scale.none")
    retire(engine, SMALL)
    assert "already retired" in refusal(engine, SMALL).message
    # a policy published from a draft written before the retirement: heard, and said
    assert hear(engine, published(9, 1, SMALL)) == [SMALL]
    assert refusal(engine, SMALL).details["policies"][0]["id"] == 9


def _waits(session: Session, action) -> bool:
    """Whether `action` on `session` waits for a lock another transaction holds (PostgreSQL)."""
    session.execute(text("SET LOCAL lock_timeout = '300ms'"))
    try:
        action()
    except OperationalError as error:
        assert "lock timeout" in str(error)
        return True
    return False


def test_a_retirement_waits_for_a_use_being_recorded_and_is_then_refused(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: they cannot interleave")
    with Session(engine) as hearing:
        hearing.begin()
        tag_uses.hear(hearing, [published(4, 1, SMALL)])   # not committed yet
        with Session(engine) as retiring, retiring.begin():
            assert _waits(retiring, lambda: catalogue_store.retire(retiring, SMALL, ADMIN, NOW))
        hearing.commit()
    assert refusal(engine, SMALL).details["policies"] == [{"id": 4, "title": "政策4", "department": "hrss"}]


def test_a_use_heard_during_a_retirement_waits_for_it_and_is_then_kept(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: they cannot interleave")
    with Session(engine) as retiring:
        retiring.begin()
        catalogue_store.retire(retiring, SMALL, ADMIN, NOW)   # not committed yet
        with Session(engine) as hearing, hearing.begin():
            assert _waits(hearing, lambda: tag_uses.hear(hearing, [published(4, 1, SMALL)]))
        retiring.commit()
    assert hear(engine, published(4, 1, SMALL)) == [SMALL]   # retired first: the use is kept, and said
