import json
from decimal import Decimal

from hypothesis import given, settings

from shared.eligibility import AllOf, AnyOf, Not, evaluate, explain, failed_leaves, leaves, parse
from tests.properties import examples

from .strategies import TAGS, facts, rules, tags

SMALL_WITH_STAFF = {"all": [{"tag": "scale.small"}, {"field": "employees", "op": ">=", "value": 10}]}


def test_explains_each_leaf_in_rule_order():
    explanation = explain(parse(SMALL_WITH_STAFF, TAGS), {"employees": 120}, {"industry.c"})
    assert explanation.matched is False
    tag, staff = explanation.conditions
    assert (tag.path, tag.kind, tag.subject, tag.op, tag.expected, tag.actual, tag.held) == (
        "$.all[0]", "tag", "scale.small", "has", True, False, False)
    assert tag.text == "标签 scale.small：未具备，不符合"
    assert (staff.path, staff.kind, staff.subject, staff.op, staff.expected, staff.actual, staff.held) == (
        "$.all[1]", "field", "employees", ">=", 10, 120, True)
    assert staff.text == "从业人员 ≥ 10：企业为 120，符合"


def test_missing_facts_are_said_to_be_missing():
    [condition] = explain(parse({"field": "employees", "op": "<", "value": 10}, TAGS), {}, set()).conditions
    assert condition.actual is None and condition.held is False
    assert condition.text == "从业人员 < 10：企业无此项数据，不符合"


def test_conditions_under_not_are_judged_as_the_rule_needs_them():
    rule = parse({"all": [{"not": {"tag": "scale.small"}},
                          {"not": {"field": "county", "op": "in", "value": ["371602", "371603"]}},
                          {"not": {"not": {"tag": "industry.c"}}}]}, TAGS)
    explanation = explain(rule, {"county": "371602"}, {"industry.c"})
    lacks_small, outside_counties, industry = explanation.conditions
    assert (lacks_small.negated, lacks_small.actual, lacks_small.held) == (True, False, True)
    assert lacks_small.text == "不具备标签 scale.small：未具备，符合"
    assert (outside_counties.negated, outside_counties.held) == (True, False)
    assert outside_counties.path == "$.all[1].not"
    assert outside_counties.text == "并非「所在区县 属于 371602、371603」：企业为 371602，不符合"
    assert (industry.negated, industry.held, industry.path) == (False, True, "$.all[2].not.not")
    assert explanation.matched is False


def test_texts_for_each_kind():
    rule = parse({"all": [
        {"field": "annual_revenue", "op": ">", "value": 50000000.0},
        {"field": "rd_intensity", "op": ">=", "value": 0.03},
        {"field": "registered_on", "op": "!=", "value": "2020-01-01"},
        {"field": "qualifications", "op": "==", "value": "tech_sme"},
        {"field": "qualifications", "op": "!=", "value": "gazelle"},
        {"field": "interests", "op": "in", "value": ["financing", "talent"]},
    ]}, TAGS)
    enterprise = {"annual_revenue": Decimal("80000000.00"), "rd_intensity": 0.025, "registered_on": "2019-05-01",
                  "qualifications": {"tech_sme", "high_tech_enterprise"}, "interests": []}
    texts = [condition.text for condition in explain(rule, enterprise, set()).conditions]
    assert texts == [
        "营业收入（元） > 50000000：企业为 80000000，符合",
        "研发投入强度（研发费用/营业收入） ≥ 0.03：企业为 0.025，不符合",
        "成立日期 ≠ 2020-01-01：企业为 2019-05-01，符合",
        "资质 包含 tech_sme：企业为 high_tech_enterprise、tech_sme，符合",
        "资质 不包含 gazelle：企业为 high_tech_enterprise、tech_sme，符合",
        "政策需求 包含任一 financing、talent：企业为空，不符合",
    ]


def test_to_json_is_json():
    rule = parse({"all": [{"field": "annual_revenue", "op": "in", "value": [1, 2.5]},
                          {"field": "qualifications", "op": "==", "value": "tech_sme"}, {"tag": "scale.small"}]}, TAGS)
    shown = explain(rule, {"annual_revenue": Decimal("2.5"), "qualifications": ("tech_sme",)}, set()).to_json()
    assert json.loads(json.dumps(shown, ensure_ascii=False)) == shown
    assert shown["matched"] is False
    assert shown["conditions"][0]["expected"] == [1, 2.5]
    assert shown["conditions"][0]["actual"] == 2.5
    assert shown["conditions"][1]["actual"] == ["tech_sme"]
    assert set(shown["conditions"][2]) == {"path", "kind", "subject", "op", "expected", "actual", "held", "text",
                                           "negated"}


def test_failed_leaves_of_an_all_are_its_failing_leaves():
    rule = parse({"all": [{"tag": "scale.small"}, {"field": "employees", "op": ">=", "value": 10},
                          {"field": "county", "op": "==", "value": "371625"}]}, TAGS)
    near_miss = failed_leaves(rule, {"employees": 3, "county": "371625"}, {"scale.small"})
    assert [condition.subject for condition in near_miss] == ["employees"]
    both = failed_leaves(rule, {"employees": 3}, {"scale.small"})
    assert [condition.path for condition in both] == ["$.all[1]", "$.all[2]"]
    assert failed_leaves(rule, {"employees": 30, "county": "371625"}, {"scale.small"}) == []


def test_failed_leaves_take_the_cheapest_branch_of_an_any():
    rule = parse({"any": [
        {"all": [{"tag": "scale.small"}, {"tag": "industry.c"}]},
        {"all": [{"tag": "county.371602"}, {"field": "employees", "op": ">", "value": 100}]},
        {"all": [{"tag": "age.startup"}, {"tag": "scale.micro"}]},
    ]}, TAGS)
    [missing] = failed_leaves(rule, {"employees": 500}, {"scale.small", "scale.micro"})
    assert missing.path == "$.any[0].all[1]"
    assert missing.subject == "industry.c"


def test_failed_leaves_under_not_are_the_leaves_that_hold():
    rule = parse({"all": [{"tag": "scale.small"},
                          {"not": {"any": [{"tag": "industry.c"}, {"field": "employees", "op": ">", "value": 300}]}}]},
                 TAGS)
    failing = failed_leaves(rule, {"employees": 500}, {"scale.small", "industry.c"})
    assert [(condition.subject, condition.negated, condition.held) for condition in failing] == [
        ("industry.c", True, False), ("employees", True, False)]
    assert failing[0].text == "不具备标签 industry.c：已具备，不符合"


def test_failed_leaves_of_a_rule_nothing_can_satisfy_are_empty():
    assert failed_leaves(parse({"any": []}, TAGS), {}, set()) == []
    assert failed_leaves(parse({"not": {}}, TAGS), {}, set()) == []


@settings(max_examples=examples(300))
@given(rules(), facts(), tags())
def test_explanations_agree_with_evaluate(rule_json, enterprise_facts, enterprise_tags):
    rule = parse(rule_json, TAGS)
    explanation = explain(rule, enterprise_facts, enterprise_tags)
    matched = evaluate(rule, enterprise_facts, enterprise_tags)
    assert explanation.matched is matched
    assert len(explanation.conditions) == len(leaves(rule))
    failing = failed_leaves(rule, enterprise_facts, enterprise_tags)
    assert all(not condition.held for condition in failing)
    by_path = {condition.path: condition for condition in explanation.conditions}
    assert all(by_path[condition.path] == condition for condition in failing)
    if matched:
        assert failing == []
    elif failing:
        # Giving the enterprise what those conditions ask for is enough for the rule to match.
        assert _evaluate_with_flipped(rule, {condition.path for condition in failing},
                                      enterprise_facts, enterprise_tags)


def _evaluate_with_flipped(rule, paths, enterprise_facts, enterprise_tags):
    def value(node, path):
        if isinstance(node, Not):
            return not value(node.rule, f"{path}.not")
        if isinstance(node, AllOf):
            return all(value(child, f"{path}.all[{i}]") for i, child in enumerate(node.rules))
        if isinstance(node, AnyOf):
            return any(value(child, f"{path}.any[{i}]") for i, child in enumerate(node.rules))
        return evaluate(node, enterprise_facts, enterprise_tags) != (path in paths)

    return value(rule, "$")


def test_describe_says_a_rule_in_chinese_without_an_enterprise():
    from shared.eligibility import describe, parse

    rule = parse({"all": [{"tag": "scale.small"}, {"field": "employees", "op": ">=", "value": 100},
                          {"not": {"field": "interests", "op": "==", "value": "export"}},
                          {"any": [{"field": "county", "op": "in", "value": ["371625", "371602"]}]}]},
                 lambda _code: True)
    text = describe(rule)
    assert text.startswith("同时满足（标签 scale.small；")
    assert "≥ 100" in text and "并非「" in text and "包含 export" in text and "371625、371602" in text
    assert describe(parse({}, lambda _code: True)) == "所有企业"
