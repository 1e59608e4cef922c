import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.evaluation.domain.combination import combine, weighted_mean
from services.evaluation.domain.weights import Weights
from shared.contracts.evaluation import Dimension, Source
from tests.unit.evaluation.domain.strategies import (
    EVEN,
    PUSH,
    SUPPLY,
    any_units,
    better_unit,
    pattern,
    positive_weights,
    unit_with,
    weights,
)


def test_a_dimension_is_the_source_weighted_mean_of_the_sources_scoring_it():
    combined = combine({Source.platform: {SUPPLY: 60}, Source.survey: {SUPPLY: 100}, Source.self: {SUPPLY: None}},
                       EVEN)
    # platform 0.4 and survey 0.3, renormalised: 4/7 and 3/7
    assert combined.dimensions[SUPPLY] == pytest.approx((0.4 * 60 + 0.3 * 100) / 0.7)
    assert combined.dimensions[PUSH] is None
    # the only dimension present carries the whole score
    assert combined.score == pytest.approx(combined.dimensions[SUPPLY])


def test_a_missing_score_is_left_out_never_counted_as_zero():
    with_gap = combine({Source.platform: {SUPPLY: 80, PUSH: None}}, EVEN)
    assert with_gap.score == 80.0
    assert with_gap.sources[Source.platform] == 80.0
    assert with_gap.sources[Source.self] is None


def test_the_source_breakdown_is_each_sources_dimension_weighted_mean():
    weights = Weights({SUPPLY: 0.5, PUSH: 0.3, Dimension.demand_enjoyment: 0.2,
                       Dimension.redemption_satisfaction: 0, Dimension.feedback_responsiveness: 0}, EVEN.sources)
    combined = combine({Source.platform: {SUPPLY: 100, PUSH: 20, Dimension.redemption_satisfaction: 0},
                        Source.third_party: {PUSH: 70}}, weights)
    assert combined.sources[Source.platform] == pytest.approx((0.5 * 100 + 0.3 * 20) / 0.8)
    assert combined.sources[Source.third_party] == 70.0
    # a dimension of weight 0 counts for nothing, in the breakdown and the score
    assert combined.dimensions[Dimension.redemption_satisfaction] == 0.0
    assert combined.score == pytest.approx((0.5 * 100 + 0.3 * (0.4 * 20 + 0.2 * 70) / 0.6) / 0.8)


def test_nothing_scored_or_nothing_weighted_has_no_score():
    assert combine({}, EVEN).score is None
    only_self = Weights(EVEN.dimensions, {Source.platform: 0, Source.self: 1, Source.survey: 0, Source.third_party: 0})
    combined = combine({Source.platform: {SUPPLY: 90}}, only_self)
    assert combined.score is None and combined.dimensions[SUPPLY] is None
    assert combined.sources[Source.platform] == 90.0


def test_a_weighted_mean_keeps_within_0_and_100():
    assert 0 < weighted_mean({"a": 100.0, "b": 100.0}, {"a": 0.1, "b": 0.2}) <= 100.0
    assert weighted_mean({"a": 100.0, "b": 0.0}, {"a": 0.1, "b": 0.3}) == pytest.approx(25)
    assert weighted_mean({"a": None}, {"a": 1.0}) is None


@given(any_units(max_size=1), weights)
def test_every_figure_is_within_0_and_100(units, given_weights):
    combined = combine(units[0], given_weights)
    for value in [combined.score, *combined.dimensions.values(), *combined.sources.values()]:
        assert value is None or 0 <= value <= 100


@given(pattern.flatmap(unit_with), positive_weights, st.floats(min_value=0.1, max_value=10))
def test_scaling_a_set_of_weights_changes_nothing(unit, given_weights, factor):
    # only proportions count: a set renormalised (or not) over the present gives the same score
    scaled = Weights({k: v * factor for k, v in given_weights.dimensions.items()},
                     {k: v / factor for k, v in given_weights.sources.items()})
    assert math.isclose(combine(unit, scaled).score, combine(unit, given_weights).score, rel_tol=1e-9, abs_tol=1e-9)


@given(pattern.flatmap(unit_with), positive_weights)
def test_the_score_lies_between_the_lowest_and_highest_score_given(unit, given_weights):
    given_scores = [value for scores in unit.values() for value in scores.values()]
    score = combine(unit, given_weights).score
    assert min(given_scores) - 1e-9 <= score <= max(given_scores) + 1e-9


@given(pattern.flatmap(unit_with).flatmap(lambda unit: st.tuples(st.just(unit), better_unit(unit))), weights)
def test_better_on_every_source_and_dimension_never_scores_lower(pair, given_weights):
    worse, better = (combine(unit, given_weights) for unit in pair)
    if worse.score is None:
        assert better.score is None
    else:
        assert better.score >= worse.score
    for name in Dimension:
        assert (better.dimensions[name] or 0) >= (worse.dimensions[name] or 0)
    for name in Source:
        assert (better.sources[name] or 0) >= (worse.sources[name] or 0)
