"""Application terms answer one enterprise (prebuilt `==` statements) exactly as they answer it among
many (expanding IN), through a Session or a plain Connection, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from services.policy import match_store, policy_store, read_model
from services.policy.domain import application_terms, lifecycle
from services.policy.matcher import Matcher
from shared.contracts.actors import Actor, Role
from shared.contracts.events import EnterpriseSnapshot
from shared.contracts.policies import PolicyDraft
from shared.errors import NotFound

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
RULE = {"all": [{"tag": "scale.small"}, {"field": "employees", "op": ">=", "value": 10},
                {"field": "qualifications", "op": "in", "value": ["tech_sme", "high_tech_enterprise"]}]}
MATCHED = "91371600MA00000001"     # list facts, codes and tags; the rule holds
UNMATCHED = "91371600MA00000002"   # an empty list fact sent, a tag short
BARE = "91371600MA00000003"        # no list facts, no tags
UNKNOWN = "91371600MA00000009"
ENTERPRISES = [
    EnterpriseSnapshot(uscc=MATCHED, version=3, status="active", tags=["scale.small", "industry.c", "county.371602"],
                       facts={"name": "甲公司", "employees": 40, "annual_revenue": 12_000_000.5, "county": "371602",
                              "registered_on": "2015-03-01", "qualifications": ["tech_sme", "high_tech_enterprise"],
                              "interests": ["tax_relief", "financing", "export"], "scale": "small"}),
    EnterpriseSnapshot(uscc=UNMATCHED, version=1, status="active", tags=["scale.micro"],
                       facts={"name": "乙公司", "employees": 4, "qualifications": [], "interests": ["talent"]}),
    EnterpriseSnapshot(uscc=BARE, version=2, status="active", tags=[], facts={"name": "丙公司"}),
]


@pytest.fixture
def engine(service_engine):
    return service_engine("policy")


@pytest.fixture
def policy_id(engine) -> int:
    draft = PolicyDraft.model_validate({
        "title": "研发补助", "department": "science", "summary": "按研发费用补助", "eligibility": RULE,
        "valid_from": "2026-01-01", "valid_to": "2099-12-31", "redeemable": True, "budget": 1_000_000,
        "subsidy": {"type": "per_unit", "field": "employees", "rate": 1000, "cap": 30_000}})
    with Session(engine) as session, session.begin():
        policy = policy_store.create_draft(session, draft, lifecycle.checked_rule(RULE, lambda _code: True),
                                           Actor(role=Role.city_admin, id="test"), NOW)
        policy_store.publish(session, policy["id"], TODAY, NOW)
        Matcher().match_enterprises(session, ENTERPRISES, TODAY, NOW)
    return policy["id"]


def answered(session, policy_id: int, usccs: list[str]) -> list[dict]:
    """As the policy service's `application_terms_many` answers: its three reads, then the terms."""
    policy = policy_store.get(session, policy_id)
    matched = match_store.matched_among(session, policy_id, usccs)
    return application_terms.answers(policy, usccs, matched, read_model.known_many(session, usccs))


@pytest.mark.parametrize("reader", ["session", "connection"])
def test_one_enterprise_is_answered_as_among_many(engine, policy_id, reader):
    everyone = [MATCHED, UNMATCHED, BARE]
    with Session(engine) if reader == "session" else engine.connect() as session:
        among_many = answered(session, policy_id, everyone)
        alone = [answered(session, policy_id, [uscc])[0] for uscc in everyone]
        twice = answered(session, policy_id, [MATCHED, MATCHED])   # one distinct: the `==` path
    assert alone == among_many
    assert twice == [among_many[0], among_many[0]]
    assert [answer["matched"] for answer in alone] == [True, False, False]
    assert alone[0]["missing"] == [] and alone[1]["missing"] and alone[2]["missing"]
    assert alone[0]["profile"]["qualifications"] == ["high_tech_enterprise", "tech_sme"]   # in key order
    assert alone[0]["estimated_amount"] == 30_000 and alone[1]["estimated_amount"] == 4000
    assert [answer["profile_version"] for answer in alone] == [3, 1, 2]


def test_load_gives_what_load_many_gives(engine, policy_id):
    with engine.connect() as connection:
        many = read_model.load_many(connection, [MATCHED, UNMATCHED, BARE, UNKNOWN])
        assert {uscc: read_model.load(connection, uscc) for uscc in many} == many
        assert read_model.load(connection, UNKNOWN) is None and UNKNOWN not in many
    facts, tags, version = many[MATCHED]
    assert facts["qualifications"] == ["high_tech_enterprise", "tech_sme"]
    assert facts["interests"] == ["export", "financing", "tax_relief"]
    assert facts["employees"] == 40 and isinstance(facts["employees"], int)
    assert tags == {"scale.small", "industry.c", "county.371602"} and version == 3
    assert many[UNMATCHED][0]["qualifications"] == [] and many[UNMATCHED][1] == {"scale.micro"}
    assert "qualifications" not in many[BARE][0] and many[BARE][1] == set()


@pytest.mark.parametrize("usccs", [[UNKNOWN], [MATCHED, UNKNOWN]], ids=["alone", "among_many"])
def test_an_unknown_enterprise_or_policy_is_not_found(engine, policy_id, usccs):
    with engine.connect() as connection:
        with pytest.raises(NotFound) as unknown:
            answered(connection, policy_id, usccs)
        assert unknown.value.details == {"uscc": UNKNOWN}
        with pytest.raises(NotFound) as no_policy:
            answered(connection, policy_id + 1, usccs)
        assert no_policy.value.details == {"policy_id": policy_id + 1}


def test_one_enterprise_is_read_with_equality_not_in_lists(engine, policy_id):
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.connect() as connection:
            answered(connection, policy_id, [MATCHED])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 5   # the policy, the match, facts, codes, tags
    assert not any(" IN " in statement.upper() for statement in reads)
