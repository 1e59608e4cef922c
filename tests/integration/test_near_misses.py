"""Near-misses are listed in full, a page at a time, on SQLite and PostgreSQL: every enterprise
failing exactly one condition, as the rule evaluated condition by condition in Python says."""
from __future__ import annotations

import random

import pytest
from sqlalchemy.orm import Session

from services.policy import read_model
from services.policy.domain.near_misses import of_enterprise
from shared import eligibility
from shared.contracts.events import EnterpriseSnapshot
from shared.errors import Invalid

RULE = {"all": [{"tag": "scale.small"}, {"field": "employees", "op": ">=", "value": 100},
                {"field": "county", "op": "==", "value": "371625"}]}
ENTERPRISES = 900


@pytest.fixture
def engine(service_engine):
    return service_engine("policy")


def snapshots() -> list[EnterpriseSnapshot]:
    chance = random.Random(20261205)
    made = []
    for n in range(ENTERPRISES):
        facts = {"name": f"滨州{n}号公司", "employees": chance.choice([20, 99, 100, 400]),
                 "county": chance.choice(["371625", "371625", "371602"])}
        made.append(EnterpriseSnapshot(uscc=f"91371600MA{n:08d}", version=1,
                                       status="active" if n % 10 else "deregistered",
                                       tags=["scale.small"] if chance.random() < 0.8 else ["scale.medium"],
                                       facts=facts))
    return made


def expected(enterprises: list[EnterpriseSnapshot]) -> list[tuple[str, str]]:
    """(uscc, path) of each near-miss, in condition then code order."""
    members = eligibility.parse(RULE, None).rules
    found = []
    for snapshot in enterprises:
        failing = [position for position, member in enumerate(members)
                   if not eligibility.evaluate(member, snapshot.facts, set(snapshot.tags))]
        if snapshot.status == "active" and len(failing) == 1:
            found.append((failing[0], snapshot.uscc))
    return [(uscc, f"$.all[{position}]") for position, uscc in sorted(found)]


def test_every_near_miss_is_listed_page_by_page(engine):
    enterprises = snapshots()
    want = expected(enterprises)
    rule = eligibility.parse(RULE, None)
    with Session(engine) as session, session.begin():
        read_model.store(session, enterprises)
    with Session(engine) as session:
        listed, offset = [], 0
        while True:
            page = read_model.near_misses(session, rule, offset=offset, limit=200)
            assert (page["offset"], page["limit"], page["total"]) == (offset, 200, len(want))
            assert len(page["items"]) <= 200
            if not page["items"]:
                break
            listed += page["items"]
            offset += len(page["items"])
        assert len(want) > 200, "the data should give more near-misses than one page (and the old sample) holds"
        assert [(item["uscc"], item["path"]) for item in listed] == want
        assert listed[0]["name"] == next(s.facts["name"] for s in enterprises if s.uscc == listed[0]["uscc"])
        assert "100" in next(item["text"] for item in listed if item["path"] == "$.all[1]")

        counts = {group["path"]: group["count"] for group in page["conditions"]}
        assert counts == {path: sum(1 for _uscc, failed in want if failed == path) for path in counts}
        assert sum(counts.values()) == len(want)

        one_condition = read_model.near_misses(session, rule, condition="$.all[1]", limit=None)
        assert [(item["uscc"], item["path"]) for item in one_condition["items"]] == \
            [pair for pair in want if pair[1] == "$.all[1]"]
        assert one_condition["total"] == counts["$.all[1]"]
        assert one_condition["conditions"] == page["conditions"]   # counted under every filter but condition

        uscc, path = want[250]
        alone = read_model.near_misses(session, rule, uscc=uscc)
        assert [(item["uscc"], item["path"]) for item in alone["items"]] == [(uscc, path)]
        assert alone["total"] == 1 and [group["count"] for group in alone["conditions"]] == [1]
        matching = next(s.uscc for s in enterprises if s.status == "active"
                        and eligibility.evaluate(rule, s.facts, set(s.tags)))
        assert read_model.near_misses(session, rule, uscc=matching)["items"] == []

        with pytest.raises(Invalid) as refused:
            read_model.near_misses(session, rule, condition="$.all[3]")
        assert refused.value.details[0]["field"] == "condition" and "$.all[2]" in refused.value.message


def test_an_enterprise_is_told_its_near_misses_as_staff_see_them(engine):
    """`of_enterprise` over what the read model loads of each enterprise (the enterprise's own 还差一项)
    agrees with the SQL near-misses asked for that enterprise."""
    enterprises = snapshots()[:120]
    rule = eligibility.parse(RULE, None)
    row = {"id": 1, "title": "测试政策", "department": "hrss", "level": "city", "county": None, "redeemable": False,
           "proactive": False, "valid_to": "2027-12-31", "eligibility": RULE}
    with Session(engine) as session, session.begin():
        read_model.store(session, enterprises)
    told = 0
    with Session(engine) as session:
        for snapshot in enterprises:
            facts, tags, _version = read_model.known(session, snapshot.uscc)
            active = read_model.is_active(session, snapshot.uscc)
            assert active == (snapshot.status == "active")
            own = of_enterprise([row], facts, tags) if active else []
            staff = read_model.near_misses(session, rule, uscc=snapshot.uscc)["items"]
            assert [item["path"] for item in own] == [item["path"] for item in staff], snapshot.uscc
            assert [item["text"] for item in own] == [item["text"] for item in staff]
            told += len(own)
    assert told > 10, "the sample should hold near-misses"
