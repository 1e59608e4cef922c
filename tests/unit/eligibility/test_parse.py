import pytest
from hypothesis import given

from shared.eligibility import (
    MATCH_EVERYTHING,
    MAX_DEPTH,
    AllOf,
    AnyOf,
    Compare,
    Not,
    RuleError,
    TagNode,
    fields_used,
    parse,
    tags_used,
)
from shared.facts import FACTS

from .strategies import TAGS, rules

KNOWN = {"scale.small", "county.371625", "industry.c"}


def test_builds_the_tree():
    rule = parse({"all": [
        {"tag": "scale.small"},
        {"any": [{"field": "employees", "op": ">=", "value": 10},
                 {"not": {"field": "county", "op": "in", "value": ["371602", "371625"]}}]},
    ]}, KNOWN)
    assert rule == AllOf((
        TagNode("scale.small"),
        AnyOf((Compare("employees", ">=", 10), Not(Compare("county", "in", ("371602", "371625"))))),
    ))


@pytest.mark.parametrize("everything", [{}, {"all": []}])
def test_empty_rules_match_everything(everything):
    assert parse(everything, KNOWN) == MATCH_EVERYTHING


def test_known_tags_may_be_a_predicate_or_unchecked():
    assert parse({"tag": "county.371681"}, lambda code: code.startswith("county.")) == TagNode("county.371681")
    assert parse({"tag": "anything.at_all"}, None) == TagNode("anything.at_all")
    with pytest.raises(RuleError):
        parse({"tag": "scale.small"}, lambda code: code.startswith("county."))


@given(rules())
def test_to_json_round_trips(rule_json):
    rule = parse(rule_json, TAGS)
    assert parse(rule.to_json(), TAGS) == rule
    assert parse(rule.to_json(), TAGS).to_json() == rule.to_json()


def test_to_json_keeps_values_as_written():
    rule_json = {"any": [{"field": "annual_revenue", "op": "in", "value": [1, 2.5]},
                         {"field": "registered_on", "op": "<", "value": "2020-01-01"},
                         {"field": "qualifications", "op": "==", "value": "tech_sme"}]}
    assert parse(rule_json, KNOWN).to_json() == rule_json


def test_rules_are_hashable_values():
    first = parse({"all": [{"tag": "scale.small"}, {"field": "employees", "op": "in", "value": [1, 2]}]}, KNOWN)
    second = parse({"all": [{"tag": "scale.small"}, {"field": "employees", "op": "in", "value": [1, 2]}]}, KNOWN)
    assert first == second and hash(first) == hash(second)


def test_tags_and_fields_used():
    rule = parse({"all": [{"tag": "scale.small"}, {"not": {"tag": "industry.c"}},
                          {"any": [{"field": "employees", "op": ">", "value": 1},
                                   {"field": "qualifications", "op": "==", "value": "tech_sme"}]}]}, KNOWN)
    assert tags_used(rule) == {"scale.small", "industry.c"}
    assert fields_used(rule) == {"employees", "qualifications"}


def _nested_nots(levels):
    rule = {"tag": "scale.small"}
    for _ in range(levels):
        rule = {"not": rule}
    return rule


def test_nesting_up_to_the_limit_is_accepted():
    parse(_nested_nots(MAX_DEPTH - 1), KNOWN)  # 31 nots and the tag: 32 levels


REFUSED = [
    # (rule, path, words in the message)
    ([], "$", "rule object"),
    ("scale.small", "$", "rule object"),
    ({"tags": "scale.small"}, "$.tags", "unknown key 'tags'"),
    ({"all": [{"tag": "scale.small", "weight": 2}]}, "$.all[0].weight", "unknown key"),
    ({"all": [], "odd key": 1}, '$["odd key"]', "unknown key"),
    ({"tag": "scale.small", "all": []}, "$", "mixes keys all, tag"),
    ({"all": [], "any": []}, "$", "mixes"),
    ({"field": "employees", "op": ">=", "value": 1, "not": {}}, "$", "mixes"),
    ({"op": ">=", "value": 1, "tag": "scale.small"}, "$", "mixes"),
    ({"field": "employees", "op": ">="}, "$", "'value' is missing"),
    ({"op": ">=", "value": 1}, "$", "'field' is missing"),
    ({"tag": "scale.large"}, "$.tag", "unknown tag 'scale.large'"),
    ({"tag": ""}, "$.tag", "non-empty string"),
    ({"tag": 7}, "$.tag", "non-empty string"),
    ({"all": [{"tag": "scale.small"}, {"any": [{"field": "staff", "op": ">", "value": 1}]}]},
     "$.all[1].any[0].field", "unknown field 'staff'; known fields: name, registered_on"),
    ({"field": None, "op": "==", "value": 1}, "$.field", "unknown field null"),
    ({"field": "employees", "op": "=>", "value": 1}, "$.op", "unknown operator '=>'"),
    ({"field": "employees", "op": "contains", "value": 1}, "$.op", "operators: ==, !=, >, >=, <, <=, in"),
    ({"field": "qualifications", "op": ">=", "value": "tech_sme"}, "$.op", "list of codes"),
    ({"field": "employees", "op": ">=", "value": "10"}, "$.value", "employees is a number, got a string"),
    ({"field": "employees", "op": ">=", "value": True}, "$.value", "got a boolean"),
    ({"field": "employees", "op": ">=", "value": None}, "$.value", "got null"),
    ({"field": "employees", "op": ">=", "value": [10]}, "$.value", "got a list"),
    ({"field": "employees", "op": ">=", "value": float("nan")}, "$.value", "finite"),
    ({"field": "employees", "op": ">=", "value": float("inf")}, "$.value", "finite"),
    ({"field": "annual_revenue", "op": ">=", "value": 2**53 + 1}, "$.value", "out of range"),
    ({"field": "employees", "op": "in", "value": [1, "2"]}, "$.value[1]", "number"),
    ({"field": "employees", "op": "in", "value": [1, False]}, "$.value[1]", "boolean"),
    ({"field": "employees", "op": "in", "value": []}, "$.value", "at least one"),
    ({"field": "employees", "op": "in", "value": 3}, "$.value", "list of values"),
    ({"field": "name", "op": "==", "value": 3}, "$.value", "name takes a string"),
    ({"field": "county", "op": "==", "value": "371600"}, "$.value", "choices: 371602, 371603"),
    ({"field": "county", "op": "in", "value": ["371602", "999999"]}, "$.value[1]", "'999999' is not a value"),
    ({"field": "scale", "op": ">=", "value": "huge"}, "$.value", "not a value of scale"),
    ({"field": "registered_on", "op": ">=", "value": "2020-1-1"}, "$.value", "YYYY-MM-DD"),
    ({"field": "registered_on", "op": ">=", "value": "2021-02-29"}, "$.value", "YYYY-MM-DD"),
    ({"field": "registered_on", "op": ">=", "value": "20200101"}, "$.value", "YYYY-MM-DD"),
    ({"field": "registered_on", "op": "in", "value": ["2020-01-01", 2020]}, "$.value[1]", "date"),
    ({"field": "qualifications", "op": "==", "value": ["tech_sme"]}, "$.value", "takes a code, got a list"),
    ({"field": "qualifications", "op": "!=", "value": ""}, "$.value", "non-empty code"),
    ({"field": "qualifications", "op": "in", "value": []}, "$.value", "at least one"),
    ({"field": "interests", "op": "in", "value": ["financing", 1]}, "$.value[1]", "takes a code"),
    ({"not": [{"tag": "scale.small"}]}, "$.not", "one rule object, got a list"),
    ({"not": "scale.small"}, "$.not", "one rule object"),
    ({"not": {"not": {"tag": "nope"}}}, "$.not.not.tag", "unknown tag"),
    ({"all": {"tag": "scale.small"}}, "$.all", "list of rules, got an object"),
    ({"any": "scale.small"}, "$.any", "list of rules"),
    ({"any": [{"tag": "scale.small"}, 3]}, "$.any[1]", "rule object, got a number"),
    ({"all": [{"any": [{}, {"all": [None]}]}]}, "$.all[0].any[1].all[0]", "got null"),
    (_nested_nots(MAX_DEPTH), "$" + ".not" * MAX_DEPTH, "deeper than 32"),
    ({"all": [_nested_nots(5000)]}, "$.all[0]" + ".not" * (MAX_DEPTH - 1), "deeper than 32"),
]


@pytest.mark.parametrize(("rule_json", "path", "words"), REFUSED)
def test_refuses_malformed_rules_naming_the_node(rule_json, path, words):
    with pytest.raises(RuleError) as refused:
        parse(rule_json, KNOWN)
    assert refused.value.path == path
    assert words in refused.value.message
    assert str(refused.value) == f"{path}: {refused.value.message}"
    assert refused.value.to_json() == {"path": path, "message": refused.value.message}


def test_every_fact_in_the_registry_can_be_compared():
    for name, fact in FACTS.items():
        value = {"number": 1, "string": fact.choices[0] if fact.choices else "x",
                 "date": "2020-01-01", "codes": "tech_sme"}[fact.kind.value]
        assert parse({"field": name, "op": "==", "value": value}, KNOWN) == Compare(name, "==", value)
