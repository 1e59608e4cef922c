"""A rule's conditions for near-misses (the members of its top-level `all`) and how the answer reads."""
import pytest

from services.policy.domain.near_misses import conditions, of_enterprise, page, position_of
from shared import eligibility
from shared.errors import Invalid


def parsed(rule):
    return eligibility.parse(rule, lambda _code: True)


def test_the_members_of_a_top_level_all_are_the_conditions():
    rule = parsed({"all": [{"tag": "scale.small"}, {"any": [{"tag": "a.b"}, {"tag": "c.d"}]},
                           {"not": {"field": "employees", "op": "<", "value": 10}}]})
    found = conditions(rule)
    assert [path for path, _ in found] == ["$.all[0]", "$.all[1]", "$.all[2]"]
    assert found[1][1].to_json() == {"any": [{"tag": "a.b"}, {"tag": "c.d"}]}


def test_a_rule_that_is_not_an_all_is_one_condition_and_match_all_has_none():
    assert [path for path, _ in conditions(parsed({"tag": "scale.small"}))] == ["$"]
    assert conditions(parsed({})) == []
    assert conditions(parsed({"all": []})) == []


RULE = {"all": [{"tag": "scale.small"}, {"field": "employees", "op": ">=", "value": 100},
                {"field": "county", "op": "==", "value": "371625"}]}


def test_a_condition_is_named_by_its_path_and_any_other_path_is_refused():
    members = conditions(parsed(RULE))
    assert position_of(members, None) is None
    assert position_of(members, "$.all[2]") == 2
    with pytest.raises(Invalid) as refused:
        position_of(members, "$.all[3]")
    assert refused.value.details[0]["field"] == "condition" and "$.all[2]" in refused.value.message
    with pytest.raises(Invalid, match="the rule is one condition"):
        position_of(conditions(parsed({"tag": "scale.small"})), "$.all[0]")


def test_the_answer_groups_by_condition_most_first_and_totals_what_was_narrowed_to():
    members = conditions(parsed(RULE))
    counts = {0: 3, 2: 7}
    rows = [("91371600MA00000001", "甲公司", 0), ("91371600MA00000002", None, 2)]
    answer = page(members, counts, rows, offset=0, limit=50, position=None)
    assert [(group["path"], group["count"]) for group in answer["conditions"]] == [("$.all[2]", 7), ("$.all[0]", 3)]
    assert answer["total"] == 10 and answer["offset"] == 0 and answer["limit"] == 50
    assert [(item["uscc"], item["path"]) for item in answer["items"]] == \
        [("91371600MA00000001", "$.all[0]"), ("91371600MA00000002", "$.all[2]")]
    assert "100" not in answer["items"][0]["text"] and "371625" in answer["items"][1]["text"]
    assert page(members, counts, [], offset=0, limit=None, position=1)["total"] == 0
    assert page(members, counts, [], offset=0, limit=None, position=2)["total"] == 7


def policy_row(policy_id, rule, **more):
    return {"id": policy_id, "title": f"政策{policy_id}", "department": "hrss", "level": "city", "county": None,
            "redeemable": True, "proactive": False, "valid_to": "2027-12-31", "eligibility": rule, **more}


def test_an_enterprise_is_told_the_policies_it_misses_by_one_condition_and_which():
    facts = {"employees": 40, "county": "371625"}
    tags = {"scale.small"}
    rows = [policy_row(1, RULE),                                    # fails employees only
            policy_row(2, {"all": [{"tag": "scale.medium"}, {"field": "employees", "op": ">=", "value": 100}]}),
            policy_row(3, {"all": [{"tag": "scale.small"}, {"field": "county", "op": "==", "value": "371625"}]}),
            policy_row(4, {"field": "employees", "op": ">=", "value": 100}),       # one condition: no near-miss
            policy_row(5, {"all": [{"tag": "scale.small"},
                                   {"any": [{"tag": "qualification.gazelle"},
                                            {"field": "rd_expense", "op": ">", "value": 0}]}]})]
    found = of_enterprise(rows, facts, tags)
    assert [item["policy_id"] for item in found] == [1, 5]
    first = found[0]
    assert (first["path"], first["condition"]) == ("$.all[1]", {"field": "employees", "op": ">=", "value": 100})
    assert "100" in first["text"] and first["title"] == "政策1" and first["valid_to"] == "2027-12-31"
    assert [(leaf["path"], leaf["actual"], leaf["held"]) for leaf in first["conditions"]] == [("$.all[1]", 40, False)]
    # a compound condition: every leaf of it, rooted at its place in the rule
    assert [(leaf["path"], leaf["held"]) for leaf in found[1]["conditions"]] == \
        [("$.all[1].any[0]", False), ("$.all[1].any[1]", False)]


def test_the_enterprise_sees_what_staff_see_of_it_condition_for_condition():
    """The same conditions as staff's near-misses: an enterprise failing one member of the top-level
    `all` in Python is a near-miss of it, failing two or none is not."""
    rule = parsed(RULE)
    members = conditions(rule)
    for employees in (10, 100):
        for county in ("371625", "371602"):
            for tags in (set(), {"scale.small"}):
                facts = {"employees": employees, "county": county}
                failing = [path for path, member in members if not eligibility.evaluate(member, facts, tags)]
                found = of_enterprise([policy_row(1, RULE)], facts, tags)
                assert [item["path"] for item in found] == (failing if len(failing) == 1 else [])
