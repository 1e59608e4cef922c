import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.eligibility import PolicyIndex, evaluate, parse
from tests.properties import examples

from .strategies import TAGS, facts, rules, tags

KEYS = st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6"])
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("put"), KEYS, rules()),
    st.tuples(st.just("remove"), KEYS),
    st.tuples(st.just("match"), facts(), tags()),
), max_size=25)


@settings(max_examples=examples(150), deadline=None)
@given(OPERATIONS, st.sampled_from([None, {}, {"scale.small": 900, "industry.c": 40, "age.startup": 5}]),
       st.integers(min_value=1, max_value=4))
def test_matching_is_what_evaluating_every_rule_gives(operations, tag_counts, learning_calls):
    index = PolicyIndex(tag_counts=tag_counts, learning_calls=learning_calls)
    expected_rules = {}
    for operation in operations:
        if operation[0] == "put":
            _, key, rule_json = operation
            index.put(key, parse(rule_json, TAGS))
            expected_rules[key] = parse(rule_json, TAGS)
        elif operation[0] == "remove":
            _, key = operation
            if key in expected_rules:
                index.remove(key)
                del expected_rules[key]
            else:
                with pytest.raises(KeyError):
                    index.remove(key)
        else:
            _, enterprise_facts, enterprise_tags = operation
            expected = {key for key, rule in expected_rules.items()
                        if evaluate(rule, enterprise_facts, enterprise_tags)}
            assert index.matching(enterprise_facts, enterprise_tags) == expected
            assert index.matching(enterprise_facts, list(enterprise_tags)) == expected
        assert len(index) == len(expected_rules)
        assert set(index) == set(expected_rules)


def test_put_replaces_and_remove_drops():
    index = PolicyIndex()
    index.put("small", parse({"tag": "scale.small"}, TAGS))
    index.put("everyone", parse({}, TAGS))
    assert index.matching({}, {"scale.small"}) == {"small", "everyone"}
    index.put("small", parse({"tag": "industry.c"}, TAGS))
    assert index.matching({}, {"scale.small"}) == {"everyone"}
    assert index.matching({}, {"industry.c"}) == {"small", "everyone"}
    index.remove("everyone")
    assert "everyone" not in index and "small" in index and len(index) == 1
    assert index.get("small") == parse({"tag": "industry.c"}, TAGS)
    assert index.matching({}, set()) == set()


def test_only_rules_filed_under_the_enterprises_tags_run():
    index = PolicyIndex(tag_counts={"scale.small": 1000, "county.371602": 50})
    index.put("both", parse({"all": [{"tag": "scale.small"}, {"tag": "county.371602"}]}, TAGS))
    assert index._filed_under["both"] == "county.371602"  # the rarer of the two


def test_learns_how_common_tags_are_then_refiles():
    index = PolicyIndex(learning_calls=3)
    index.put("both", parse({"all": [{"tag": "scale.small"}, {"tag": "county.371602"}]}, TAGS))
    assert index._filed_under["both"] == "county.371602"  # no counts yet: alphabetical
    for _ in range(3):
        index.matching({}, {"county.371602"})
    assert index._filed_under["both"] == "scale.small"
    assert index.matching({}, {"county.371602", "scale.small"}) == {"both"}


def test_refuses_rule_json():
    with pytest.raises(TypeError):
        PolicyIndex().put("p", {"tag": "scale.small"})
