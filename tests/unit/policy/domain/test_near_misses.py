"""A rule's conditions for near-misses: the members of its top-level `all`."""
from services.policy.near_misses import conditions
from shared import eligibility


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
