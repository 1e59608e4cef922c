"""The in-memory copies of the policies (the matcher's index, the search index) follow the
policies' change counter, so a revision committed with an older timestamp than one before it
still replaces it, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.policy import policy_store, revisions, search
from services.policy.domain import lifecycle
from services.policy.matcher import Matcher
from services.policy.models import policies
from services.policy.search import PolicySearch
from shared.contracts.actors import Actor, Role
from shared.contracts.policies import PolicyDraft

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
ACTOR = Actor(role=Role.city_admin, id="test")


@pytest.fixture
def engine(service_engine):
    return service_engine("policy")


def draft(title: str, employees: int) -> PolicyDraft:
    return PolicyDraft.model_validate({
        "title": title, "department": "science", "summary": "支持本地企业发展",
        "eligibility": {"field": "employees", "op": ">=", "value": employees},
        "valid_from": "2026-01-01", "valid_to": "2099-12-31"})


def rule(body: PolicyDraft):
    return lifecycle.checked_rule(body.eligibility, lambda _code: True)


def published(engine, body: PolicyDraft, at: datetime) -> int:
    with Session(engine) as session, session.begin():
        policy = policy_store.create_draft(session, body, rule(body), ACTOR, at)
        policy_store.publish(session, policy["id"], TODAY, at)
    return policy["id"]


def revised(engine, policy_id: int, body: PolicyDraft, at: datetime) -> None:
    with Session(engine) as session, session.begin():
        policy_store.revise(session, policy_id, body, rule(body), ACTOR, at, TODAY)


def test_the_matcher_keeps_the_newest_rule_when_timestamps_run_backwards(engine):
    matcher = Matcher()
    late = published(engine, draft("稍后发布的政策", 1), NOW + timedelta(hours=1))
    early = published(engine, draft("研发补助", 10), NOW)
    with Session(engine) as session:
        matcher.refresh(session, TODAY)
        assert matcher.index.get(early).to_json() == {"field": "employees", "op": ">=", "value": 10}

    # the clock moved back: each revision is stamped earlier than the one before, and than `late`
    revised(engine, early, draft("研发补助", 20), NOW - timedelta(minutes=1))
    with Session(engine) as session:
        matcher.refresh(session, TODAY)
        assert matcher.index.get(early).to_json() == {"field": "employees", "op": ">=", "value": 20}
    revised(engine, early, draft("研发补助", 30), NOW - timedelta(minutes=2))
    with Session(engine) as session:
        matcher.refresh(session, TODAY)
        assert matcher.index.get(early).to_json() == {"field": "employees", "op": ">=", "value": 30}
        assert matcher.meta[early] == ("研发补助", 3)
        assert matcher.index.get(late) is not None


def test_search_sees_a_revision_stamped_earlier_than_the_one_it_holds(engine):
    finder = PolicySearch()
    published(engine, draft("稍后发布的政策", 1), NOW + timedelta(hours=1))
    policy_id = published(engine, draft("研发补助", 10), NOW)
    with Session(engine) as session:
        assert [item["id"] for item in finder.search(session, q="研发")["items"]] == [policy_id]

    revised(engine, policy_id, draft("人才引进奖励", 10), NOW - timedelta(minutes=1))
    finder.changed()
    with Session(engine) as session:
        assert finder.search(session, q="研发")["total"] == 0
        assert [item["title"] for item in finder.search(session, q="人才")["items"]] == ["人才引进奖励"]


def test_every_change_takes_the_next_revision_in_its_own_transaction(engine):
    first = published(engine, draft("研发补助", 10), NOW)   # created, then published: two changes
    revised(engine, first, draft("研发补助", 20), NOW - timedelta(days=1))
    with Session(engine) as session:
        assert revisions.current(session) == 3
        assert session.execute(select(policies.c.revision).where(policies.c.id == first)).scalar_one() == 3
        assert "revision" not in policy_store.get(session, first)   # bookkeeping, not part of the policy
    with Session(engine) as session, session.begin():
        policy_store.withdraw(session, first, "政策调整", ACTOR, NOW)
        assert revisions.current(session) == 4
        session.rollback()
    with Session(engine) as session:
        assert revisions.current(session) == 3   # a change rolled back takes no revision
    assert search.STAMP_EVERY_S <= 1.0   # other replicas see a change within about a second
