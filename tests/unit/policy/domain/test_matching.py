"""Who matches what, and the event a change of matches makes."""
from services.policy.domain.matching import matches_changed, matching_policies
from shared import eligibility
from shared.contracts.events import EnterpriseSnapshot

POLICIES = {1: ("小微企业补助", 3), 2: ("研发补助", 1)}


def snapshot(uscc: str, status: str = "active", **facts) -> EnterpriseSnapshot:
    return EnterpriseSnapshot(uscc=uscc, version=1, status=status, facts=facts, tags=["scale.small"])


def test_an_enterprise_that_is_not_active_matches_nothing():
    index: eligibility.PolicyIndex[int] = eligibility.PolicyIndex()
    index.put(1, eligibility.parse({"tag": "scale.small"}, None))
    index.put(2, eligibility.parse({"field": "employees", "op": ">=", "value": 10}, None))
    assert matching_policies(snapshot("A", employees=4), index) == {1}
    assert matching_policies(snapshot("A", employees=40), index) == {1, 2}
    assert matching_policies(snapshot("A", status="deregistered", employees=40), index) == set()


def test_a_change_lists_each_policys_enterprises_in_code_order_with_the_versions_decided_on():
    event = matches_changed(gained={("B", 1), ("A", 1), ("A", 2)}, lost={("C", 2), ("D", 2)}, policies=POLICIES,
                            profile_versions={"A": 5, "B": 7})
    assert event.matched == {1: ["A", "B"], 2: ["A"]}
    assert event.unmatched == {2: ["C", "D"]}
    assert event.titles == {1: "小微企业补助", 2: "研发补助"}
    assert event.policy_versions == {1: 3, 2: 1}
    assert event.profile_versions == {"A": 5, "B": 7}


def test_a_change_that_only_loses_names_no_policy_and_no_profile():
    event = matches_changed(gained=set(), lost={("C", 2)}, policies={}, profile_versions={})
    assert event.unmatched == {2: ["C"]} and event.matched == {} and event.titles == {}
    assert event.profile_versions == {}
