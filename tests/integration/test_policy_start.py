"""A policy published before its `valid_from` day starts on that day (China time), once, on SQLite and
PostgreSQL: `policy_store.start_due` finds it then and never again, and the re-match it causes pushes it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from services.policy import policy_store
from services.policy.domain import lifecycle
from services.policy.matcher import Matcher
from services.policy.models import policies
from shared.contracts.actors import Actor, Role
from shared.contracts.events import EnterpriseSnapshot
from shared.contracts.policies import PolicyDraft

PUBLISHED = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)          # 10:00 on 5 December in China
RULE = {"field": "employees", "op": ">=", "value": 10}
FIRM = EnterpriseSnapshot(uscc="91371600MA00000001", version=1, status="active", tags=[],
                          facts={"name": "甲公司", "employees": 40})

ADMIN = Actor(role=Role.city_admin, id="test")


@pytest.fixture
def engine(service_engine):
    return service_engine("policy")


def published(engine, valid_from: str, today: date = date(2026, 12, 5)) -> int:
    draft = PolicyDraft.model_validate({"title": "新年补助", "department": "science", "summary": "自新年起",
                                        "eligibility": RULE, "valid_from": valid_from, "valid_to": "2027-12-31"})
    with Session(engine) as session, session.begin():
        policy = policy_store.create_draft(session, draft, lifecycle.checked_rule(RULE, lambda _code: True),
                                           ADMIN, PUBLISHED)
        policy_store.publish(session, policy["id"], today, PUBLISHED)
    return policy["id"]


def start_due(engine, today: date, now: datetime) -> list[int]:
    with Session(engine) as session, session.begin():
        return [policy["id"] for policy in policy_store.start_due(session, today, now)]


def test_a_policy_starts_on_its_valid_from_day_in_china_once(engine):
    matcher = Matcher()
    with Session(engine) as session, session.begin():
        assert matcher.match_enterprises(session, [FIRM], date(2026, 12, 5), PUBLISHED) == []
    future = published(engine, "2027-01-01")
    already_live = published(engine, "2026-12-01")
    with Session(engine) as session, session.begin():
        assert matcher.match_policy(session, future, date(2026, 12, 5), PUBLISHED) == []   # not live yet
    assert start_due(engine, date(2026, 12, 31), datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == []
    # 16:00 UTC on 31 December is midnight of 1 January in China: the day has come
    new_year = datetime(2026, 12, 31, 16, 0, 5, tzinfo=UTC)
    assert start_due(engine, date(2027, 1, 1), new_year) == [future]
    assert start_due(engine, date(2027, 1, 1), new_year + timedelta(seconds=10)) == []
    assert start_due(engine, date(2027, 1, 2), new_year + timedelta(days=1)) == []
    with Session(engine) as session, session.begin():
        changed = matcher.match_policy(session, future, date(2027, 1, 1), new_year)
        assert [event.matched for event in changed] == [{future: [FIRM.uscc]}]
        assert policy_store.get(session, already_live)["started_at"] == PUBLISHED.isoformat()
        assert policy_store.get(session, future)["started_at"] == new_year.isoformat()


def test_a_policy_live_when_published_before_started_at_was_kept_is_only_marked(engine):
    legacy = published(engine, "2026-11-01")
    with Session(engine) as session, session.begin():
        session.execute(update(policies).where(policies.c.id == legacy).values(started_at=None))
    assert start_due(engine, date(2026, 12, 6), PUBLISHED + timedelta(days=1)) == []
    with Session(engine) as session:
        assert policy_store.get(session, legacy)["started_at"] == PUBLISHED.isoformat()


def test_a_published_policy_moved_to_a_later_day_starts_on_that_day(engine):
    policy_id = published(engine, "2026-12-01")
    draft = PolicyDraft.model_validate({"title": "新年补助", "department": "science", "summary": "推迟到二月",
                                        "eligibility": RULE, "valid_from": "2027-02-01", "valid_to": "2027-12-31"})
    with Session(engine) as session, session.begin():
        revised = policy_store.revise(session, policy_id, draft, lifecycle.checked_rule(RULE, lambda _code: True),
                                      ADMIN, PUBLISHED + timedelta(hours=1), date(2026, 12, 5))
        assert revised["started_at"] is None
    assert start_due(engine, date(2027, 1, 31), PUBLISHED + timedelta(days=57)) == []
    assert start_due(engine, date(2027, 2, 1), PUBLISHED + timedelta(days=58)) == [policy_id]
