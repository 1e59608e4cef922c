import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.eligibility import compile_rule, evaluate, parse
from shared.eligibility.evaluation import compile_rules
from shared.facts import FACTS
from tests.properties import examples

from .strategies import FOCUSED, OPERATORS_BY_KIND, TAGS, facts, odd_values, pool, rules, rules_with_facts, tags


def matches(rule_json, enterprise_facts, enterprise_tags=frozenset()):
    rule = parse(rule_json, TAGS)
    result = evaluate(rule, enterprise_facts, enterprise_tags)
    assert compile_rule(rule)(enterprise_facts, enterprise_tags) is result
    return result


def employees(op, value):
    return {"field": "employees", "op": op, "value": value}


@pytest.mark.parametrize("op", ["==", "!=", ">", ">=", "<", "<="])
@pytest.mark.parametrize("missing", [{}, {"employees": None}])
def test_a_comparison_on_a_missing_fact_is_false_for_every_operator(op, missing):
    assert matches(employees(op, 10), missing) is False
    assert matches(employees("in", [10]), missing) is False
    assert matches({"not": employees(op, 10)}, missing) is True


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("==", 120, True), ("==", 120.0, True), ("!=", 120, False), ("!=", 119, True),
    (">", 119.5, True), (">", 120, False), (">=", 120, True), ("<", 120, False), ("<=", 120, True),
    ("in", [1, 120], True), ("in", [1, 2], False),
])
def test_numbers(op, value, expected):
    assert matches(employees(op, value), {"employees": 120}) is expected


@pytest.mark.parametrize("value", [True, "120", [120], float("nan")])
def test_a_value_that_is_not_a_number_counts_as_missing(value):
    assert matches(employees("!=", 5), {"employees": value}) is False
    assert matches(employees("<", 500), {"employees": value}) is False


def test_decimal_numbers_compare_by_value():
    assert matches(employees("in", [10]), {"employees": Decimal("10.0")}) is True
    assert matches({"field": "annual_revenue", "op": ">", "value": 0.5}, {"annual_revenue": Decimal("0.6")})


def test_strings_compare_by_code_point():
    assert matches({"field": "industry_code", "op": "<", "value": "c"}, {"industry_code": "C3011"}) is True
    assert matches({"field": "industry_code", "op": ">=", "value": "C30"}, {"industry_code": "C3011"}) is True
    assert matches({"field": "county", "op": "in", "value": ["371602", "371625"]}, {"county": "371625"}) is True
    assert matches({"field": "county", "op": "!=", "value": "371602"}, {"county": 371625}) is False


@pytest.mark.parametrize("registered_on", ["2020-06-01", datetime.date(2020, 6, 1)])
def test_dates_compare_as_dates_whether_text_or_date(registered_on):
    facts_ = {"registered_on": registered_on}
    assert matches({"field": "registered_on", "op": ">=", "value": "2020-01-01"}, facts_) is True
    assert matches({"field": "registered_on", "op": "<", "value": "2020-06-01"}, facts_) is False
    assert matches({"field": "registered_on", "op": "in", "value": ["2020-06-01"]}, facts_) is True


def test_a_datetime_is_not_a_date():
    assert matches({"field": "registered_on", "op": "!=", "value": "2020-01-01"},
                   {"registered_on": datetime.datetime(2020, 6, 1, 8, 0)}) is False


@pytest.mark.parametrize(("op", "value", "held"), [
    ("==", "tech_sme", True), ("==", "gazelle", False),
    ("!=", "tech_sme", False), ("!=", "gazelle", True),
    ("in", ["gazelle", "tech_sme"], True), ("in", ["gazelle"], False),
])
@pytest.mark.parametrize("container", [list, tuple, set, frozenset])
def test_codes(op, value, held, container):
    facts_ = {"qualifications": container(["high_tech_enterprise", "tech_sme"])}
    assert matches({"field": "qualifications", "op": op, "value": value}, facts_) is held


@pytest.mark.parametrize("op", ["==", "!=", "in"])
def test_codes_missing_or_empty(op):
    value = ["gazelle"] if op == "in" else "gazelle"
    rule = {"field": "qualifications", "op": op, "value": value}
    assert matches(rule, {}) is False
    assert matches(rule, {"qualifications": None}) is False
    assert matches(rule, {"qualifications": "gazelle"}) is False  # a string is not a list of codes
    assert matches(rule, {"qualifications": []}) is (op == "!=")


def test_tags():
    assert matches({"tag": "scale.small"}, {}, {"scale.small", "industry.c"}) is True
    assert matches({"tag": "scale.small"}, {}, ["industry.c"]) is False
    assert matches({"not": {"tag": "scale.small"}}, {}, set()) is True


def test_empty_groups():
    assert matches({}, {}) is True
    assert matches({"all": []}, {}) is True
    assert matches({"any": []}, {}) is False
    assert matches({"not": {"any": []}}, {}) is True
    assert matches({"any": [{"all": []}]}, {}) is True


def test_not_over_a_missing_fact_is_true_and_twice_is_false():
    assert matches({"not": employees(">=", 10)}, {}) is True
    assert matches({"not": {"not": employees(">=", 10)}}, {}) is False


def test_all_and_any():
    rule = {"all": [{"tag": "scale.small"},
                    {"any": [employees(">=", 10), {"field": "qualifications", "op": "==", "value": "tech_sme"}]}]}
    assert matches(rule, {"employees": 12}, {"scale.small"}) is True
    assert matches(rule, {"employees": 2}, {"scale.small"}) is False
    assert matches(rule, {"employees": 2, "qualifications": ["tech_sme"]}, {"scale.small"}) is True
    assert matches(rule, {"employees": 12}, set()) is False


@settings(max_examples=examples(500))
@given(rules_with_facts(), tags())
def test_compiled_rules_agree_with_evaluate(rule_and_facts, enterprise_tags):
    rule_json, enterprise_facts = rule_and_facts
    rule = parse(rule_json, TAGS)
    assert compile_rule(rule)(enterprise_facts, enterprise_tags) is evaluate(rule, enterprise_facts, enterprise_tags)


@settings(max_examples=examples(150))
@given(st.lists(rules(), max_size=8), st.lists(st.tuples(facts(), tags()), min_size=1, max_size=4))
def test_many_rules_compiled_together_agree_with_evaluate(rule_jsons, enterprises):
    parsed = {f"policy-{position}": parse(rule_json, TAGS) for position, rule_json in enumerate(rule_jsons)}
    matching = compile_rules(parsed)
    for enterprise_facts, enterprise_tags in enterprises:
        expected = [key for key, rule in parsed.items() if evaluate(rule, enterprise_facts, enterprise_tags)]
        assert matching(enterprise_facts, enterprise_tags) == expected


@pytest.mark.parametrize("field", FOCUSED)
def test_every_leaf_against_every_kind_of_value(field):
    """Every operator and rule value against every value the fact may hold, sensible or not:
    one compiled function per leaf, one for all of them together, and `evaluate` agree."""
    values = pool(field)
    leaves_ = [{"field": field, "op": op, "value": list(values[:2]) if op == "in" else value}
               for op in OPERATORS_BY_KIND[FACTS[field].kind] for value in values]
    parsed = {position: parse(rule_json, TAGS) for position, rule_json in enumerate(leaves_)}
    parsed.update({-1 - position: parse({"not": rule_json}, TAGS) for position, rule_json in enumerate(leaves_)})
    checks = {key: compile_rule(rule) for key, rule in parsed.items()}
    together = compile_rules(parsed)
    for actual in [*values, *odd_values(field), None, "absent"]:
        enterprise_facts = {} if actual == "absent" else {field: actual}
        expected = [key for key, rule in parsed.items() if evaluate(rule, enterprise_facts, ())]
        assert [key for key, check in checks.items() if check(enterprise_facts, ())] == expected, actual
        assert together(enterprise_facts, ()) == expected, actual
