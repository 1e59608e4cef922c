from hypothesis import given, settings

from shared.eligibility import evaluate, parse, required_tags, tags_used
from tests.properties import examples

from .strategies import TAGS, facts, rules, tags


def required(rule_json):
    return required_tags(parse(rule_json, TAGS))


def test_through_all_any_and_not():
    assert required({"tag": "scale.small"}) == {"scale.small"}
    assert required({"all": [{"tag": "scale.small"}, {"tag": "industry.c"},
                             {"field": "employees", "op": ">", "value": 1}]}) == {"scale.small", "industry.c"}
    assert required({"any": [{"all": [{"tag": "scale.small"}, {"tag": "industry.c"}]},
                             {"all": [{"tag": "scale.micro"}, {"tag": "industry.c"}]}]}) == {"industry.c"}
    assert required({"any": [{"tag": "scale.small"}, {"field": "employees", "op": ">", "value": 1}]}) == set()
    assert required({"not": {"tag": "scale.small"}}) == set()
    assert required({"not": {"not": {"tag": "scale.small"}}}) == {"scale.small"}
    # not(any(not a, not b)) is all(a, b); not(all(not a, not b)) is any(a, b)
    assert required({"not": {"any": [{"not": {"tag": "scale.small"}}, {"not": {"tag": "industry.c"}}]}}) == {
        "scale.small", "industry.c"}
    assert required({"not": {"all": [{"not": {"tag": "scale.small"}}, {"not": {"tag": "scale.small"}}]}}) == {
        "scale.small"}
    assert required({}) == set()
    assert required({"any": []}) == set()


@settings(max_examples=examples(400))
@given(rules(), facts(), tags())
def test_a_match_always_has_the_required_tags(rule_json, enterprise_facts, enterprise_tags):
    rule = parse(rule_json, TAGS)
    needed = required_tags(rule)
    assert needed <= tags_used(rule)
    # With every tag the rule names as well, the enterprise matches far more often.
    for candidate_tags in (enterprise_tags, enterprise_tags | tags_used(rule)):
        if evaluate(rule, enterprise_facts, candidate_tags):
            assert needed <= candidate_tags
        # Taking away a required tag always loses the match.
        for tag in needed:
            assert not evaluate(rule, enterprise_facts, candidate_tags - {tag})
