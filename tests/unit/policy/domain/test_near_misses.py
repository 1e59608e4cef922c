"""A rule's conditions for near-misses (the members of its top-level `all`) and how the answer reads."""
import pytest

from services.policy.domain.near_misses import conditions, page, position_of
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
