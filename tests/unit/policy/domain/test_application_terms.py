"""The terms an application is opened on, decided without a database."""
from decimal import Decimal

from services.policy.domain.application_terms import answers, rule_of

RULE = {"field": "employees", "op": ">=", "value": 10}
POLICY = {"id": 7, "title": "稳岗补助", "department": "hrss", "department_name": "市人社局", "level": "city",
          "county": None, "status": "published", "version": 2, "redeemable": True, "proactive": False,
          "subsidy": {"type": "per_unit", "field": "employees", "rate": 100, "cap": None}, "budget": 1000,
          "exclusive_group": None, "stage_limits": {}, "materials": [], "valid_to": "2099-12-31",
          "eligibility": RULE, "summary": "not a term"}
ENTERPRISES = {"A": ({"name": "甲公司", "employees": 40, "interests": ["export"]}, set(), 3),
               "B": ({"name": "乙公司", "employees": 4}, set(), 1)}


def test_each_enterprise_gets_the_terms_its_match_what_it_misses_and_its_form_profile():
    found = answers(POLICY, ["B", "A", "B"], {"A"}, ENTERPRISES)
    assert [(answer["uscc"], answer["matched"]) for answer in found] == [("B", False), ("A", True), ("B", False)]
    assert found[1]["missing"] == [] and found[0]["missing"]
    assert found[1]["estimated_amount"] == Decimal("1000.00") and found[0]["estimated_amount"] == Decimal("400.00")
    assert found[1]["profile"] == {"name": "甲公司", "employees": 40}   # interests are not on the form
    assert "summary" not in found[0]["policy"] and found[0]["policy"]["id"] == 7
    assert found[1]["profile_version"] == 3


def test_no_estimate_for_a_policy_that_is_not_redeemable():
    assert answers({**POLICY, "redeemable": False}, ["A"], set(), ENTERPRISES)[0]["estimated_amount"] is None


def test_a_rule_is_parsed_once_per_version_and_never_served_for_another_rule():
    first, _check = rule_of(POLICY)
    assert rule_of(POLICY)[0] is first
    other = {**POLICY, "eligibility": {"field": "employees", "op": ">=", "value": 50}}
    assert rule_of(other)[0].to_json() == other["eligibility"]
