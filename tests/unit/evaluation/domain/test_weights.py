import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.evaluation.domain.weights import SUM_TOLERANCE, Weights, check_weights, renormalised
from shared.contracts.evaluation import Dimension, Source
from shared.errors import Invalid
from tests.unit.evaluation.domain.strategies import weight_set

EVEN = {name: 0.2 for name in Dimension}
SOURCES = {"platform": 0.4, "self": 0.1, "survey": 0.3, "third_party": 0.2}


def problems(weights, source_weights) -> list[dict]:
    with pytest.raises(Invalid) as raised:
        check_weights(weights, source_weights)
    assert raised.value.status == 422
    assert raised.value.message.startswith(raised.value.details[0]["field"])
    return raised.value.details


def test_checked_weights_are_floats_keyed_by_the_enums():
    checked = check_weights(EVEN, {**SOURCES, "self": 0, "survey": 0.4})
    assert checked.dimensions == dict.fromkeys(Dimension, 0.2)
    assert checked.sources[Source.self] == 0.0
    assert list(checked.dimensions) == list(Dimension)
    assert all(isinstance(value, float) for value in checked.sources.values())
    assert checked.to_json() == {"weights": {str(name): 0.2 for name in Dimension},
                                 "source_weights": {**SOURCES, "self": 0.0, "survey": 0.4}}


def test_a_sum_off_by_rounding_only_is_accepted():
    check_weights(EVEN, {"platform": 0.4 + SUM_TOLERANCE / 2, "self": 0.1, "survey": 0.3, "third_party": 0.2})
    check_weights({name: 1 / 3 if name in list(Dimension)[:3] else 0 for name in Dimension}, SOURCES)


@pytest.mark.parametrize(("weights", "source_weights", "field", "words"), [
    ({**EVEN, "supply_match": 0.3}, SOURCES, "weights", "must sum to 1"),
    (EVEN, {**SOURCES, "platform": 0.4 + 2 * SUM_TOLERANCE}, "source_weights", "must sum to 1"),
    ({k: v for k, v in EVEN.items() if k != "push_coverage"}, SOURCES, "weights.push_coverage", "is required"),
    ({**EVEN, "speed": 0}, SOURCES, "weights.speed", "is not one of"),
    ({**EVEN, "supply_match": -0.2, "push_coverage": 0.6}, SOURCES, "weights.supply_match", "from 0 to 1"),
    ({**EVEN, "supply_match": 1.2, "push_coverage": -0.8}, SOURCES, "weights.supply_match", "from 0 to 1"),
    ({**EVEN, "supply_match": "0.2"}, SOURCES, "weights.supply_match", "must be a number"),
    ({**EVEN, "supply_match": True}, SOURCES, "weights.supply_match", "must be a number"),
    ({**EVEN, "supply_match": math.nan}, SOURCES, "weights.supply_match", "must be a number"),
    ([0.2] * 5, SOURCES, "weights", "must be an object"),
    (EVEN, None, "source_weights", "must be an object"),
])
def test_each_broken_rule_names_its_field(weights, source_weights, field, words):
    found = problems(weights, source_weights)
    assert found[0]["field"] == field
    assert words in found[0]["message"]


def test_every_problem_of_both_sets_is_listed():
    found = problems({"supply_match": 1}, {**SOURCES, "self": 2})
    assert [problem["field"] for problem in found] == [
        "weights.push_coverage", "weights.demand_enjoyment", "weights.redemption_satisfaction",
        "weights.feedback_responsiveness", "source_weights.self"]


@given(weight_set(Dimension), weight_set(Source))
def test_any_sets_summing_to_one_are_accepted(dimensions, sources):
    checked = check_weights({str(k): v for k, v in dimensions.items()}, {str(k): v for k, v in sources.items()})
    assert checked == Weights(dimensions, sources)


@given(weight_set(Dimension), st.sets(st.sampled_from(list(Dimension))))
def test_renormalised_weights_sum_to_one_over_the_present_with_weight(weights, present):
    kept = renormalised(weights, present)
    assert set(kept) == {name for name in present if weights[name] > 0}
    if kept:
        assert math.isclose(sum(kept.values()), 1)
        # proportions are kept
        first = next(iter(kept))
        for name in kept:
            assert math.isclose(kept[name] * weights[first], kept[first] * weights[name], rel_tol=1e-12)


def test_renormalised_over_nothing_weighted_is_empty():
    assert renormalised({"a": 0.0, "b": 1.0}, ["a"]) == {}
    assert renormalised({"a": 0.5, "b": 0.5}, []) == {}
