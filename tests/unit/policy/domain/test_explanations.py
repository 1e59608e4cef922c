"""What an enterprise is shown of its matches and of one policy's rule."""
from datetime import UTC, datetime
from decimal import Decimal

from services.policy.domain.explanations import explanation, matched_policies

AT = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
RULE = {"all": [{"tag": "scale.small"}, {"field": "employees", "op": ">=", "value": 10}]}
FACTS = {"employees": 40}
TAGS = {"scale.small"}


def policy(policy_id: int, **fields) -> dict:
    return {"id": policy_id, "title": f"政策{policy_id}", "department": "science", "version": 2,
            "status": "published", "eligibility": RULE, "redeemable": False, "proactive": False, "subsidy": None,
            "budget": None, "exclusive_group": None, "valid_to": "2099-12-31", **fields}


def matched(policy_id: int, **fields) -> dict:
    return {**policy(policy_id, **fields), "matched_at": AT, "policy_version": 2, "profile_version": 5}


def test_each_match_is_explained_and_estimated_and_a_group_says_who_excludes_whom():
    per_employee = {"type": "per_unit", "field": "employees", "rate": 1000, "cap": None}
    items = matched_policies([matched(1, redeemable=True, subsidy=per_employee, exclusive_group="jobs"),
                              matched(2), matched(3, exclusive_group="jobs")], FACTS, TAGS)
    assert [item["policy_id"] for item in items] == [1, 2, 3]
    assert items[0]["estimated_amount"] == Decimal("40000.00") and "estimated_amount" not in items[1]
    assert items[0]["matched_at"] == AT.isoformat() and items[0]["explanation"]["matched"] is True
    assert items[0]["not_combinable_with"] == [3] and items[2]["not_combinable_with"] == [1]
    assert not items[0]["combinable"] and "combinable" not in items[1] and "exclusive_group" not in items[1]


def test_an_explanation_names_what_the_enterprise_misses_and_its_match_if_any():
    answer = explanation(policy(1), "91371600MA00000001", {"employees": 4}, TAGS, 5, None)
    assert answer["matched"] is False and answer["match"] is None and answer["profile_version"] == 5
    assert [missing["subject"] for missing in answer["missing"]] == ["employees"]
    match = {"matched_at": AT, "policy_version": 2, "profile_version": 5, "uscc": "x", "policy_id": 1}
    answer = explanation(policy(1), "91371600MA00000001", FACTS, TAGS, 5, match)
    assert answer["match"] == {"matched_at": AT.isoformat(), "policy_version": 2, "profile_version": 5}
    assert answer["missing"] == [] and "estimated_amount" not in answer
