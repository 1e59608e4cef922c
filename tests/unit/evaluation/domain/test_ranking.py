import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.evaluation.domain.combination import combine
from services.evaluation.domain.ranking import (
    MULTIPLIERS,
    TIE,
    competition_ranks,
    corners,
    rank_ranges,
    rank_units,
)
from services.evaluation.domain.weights import Weights
from shared.contracts.evaluation import Dimension, Source
from tests.properties import examples
from tests.unit.evaluation.domain.strategies import (
    EVEN,
    PUSH,
    SUPPLY,
    any_units,
    better_unit,
    units_sharing_a_pattern,
    weights,
)


@pytest.mark.parametrize(("scores", "ranks"), [
    ([90, 80, 80, 70], [1, 2, 2, 4]),
    ([70, 80, 90, 80], [4, 2, 1, 2]),
    ([50, 50 + TIE / 3, 50 - TIE / 3], [1, 1, 1]),
    ([50, 50 + 3 * TIE], [2, 1]),
    ([None, 10, None], [None, 1, None]),
    ([], []),
])
def test_competition_ranks(scores, ranks):
    assert competition_ranks(scores) == ranks


def test_corners_scale_each_weight_by_0_8_or_1_2_and_renormalise():
    base = Weights(dict(zip(Dimension, (0.3, 0.25, 0.2, 0.15, 0.1), strict=True)), EVEN.sources)
    found = corners(base)
    assert len(found) == 512 and MULTIPLIERS == (0.8, 1.2)
    position = 0
    for dimension_factors in itertools.product(MULTIPLIERS, repeat=5):
        for source_factors in itertools.product(MULTIPLIERS, repeat=4):
            corner = found[position]
            for names, weights_set, factors in ((Dimension, base.dimensions, dimension_factors),
                                          (Source, base.sources, source_factors)):
                scaled = [weights_set[name] * factor for name, factor in zip(names, factors, strict=True)]
                expected = [value / sum(scaled) for value in scaled]
                kept = corner.dimensions if names is Dimension else corner.sources
                assert list(kept.values()) == pytest.approx(expected)
                assert sum(kept.values()) == pytest.approx(1)
            position += 1
    # all 0.8 (or all 1.2) on a set keeps its proportions: those corners hold the base set
    assert found[0].dimensions == pytest.approx(base.dimensions)
    assert found[0].sources == pytest.approx(base.sources)


def test_a_unit_far_ahead_keeps_its_rank_and_close_ones_swap():
    units = {"ahead": {Source.platform: {SUPPLY: 95, PUSH: 95}},
             "supply": {Source.platform: {SUPPLY: 70, PUSH: 50}},
             "push": {Source.platform: {SUPPLY: 50, PUSH: 69}}}
    ranked = {entry.unit: entry for entry in rank_units(units, EVEN)}
    assert ranked["ahead"].rank == 1 and ranked["ahead"].rank_range == (1, 1)
    assert ranked["supply"].rank == 2 and ranked["supply"].rank_range == (2, 3)
    assert ranked["push"].rank == 3 and ranked["push"].rank_range == (2, 3)


def test_rank_units_answers_in_rank_order_with_the_unscored_last():
    units = {"none": {}, "low": {Source.self: {SUPPLY: 10}}, "high": {Source.self: {SUPPLY: 90}},
             "tie": {Source.self: {SUPPLY: 10}}}
    ranked = rank_units(units, EVEN)
    assert [(entry.unit, entry.rank, entry.rank_range) for entry in ranked] == [
        ("high", 1, (1, 1)), ("low", 2, (2, 2)), ("tie", 2, (2, 2)), ("none", None, None)]
    assert ranked[0].to_json() == {
        "unit": "high", "score": 90.0, "rank": 1, "rank_range": [1, 1],
        "dimensions": {"supply_match": 90.0, "push_coverage": None, "demand_enjoyment": None,
                       "redemption_satisfaction": None, "feedback_responsiveness": None},
        "sources": {"platform": None, "self": 90.0, "survey": None, "third_party": None}}
    assert ranked[-1].to_json()["rank_range"] is None


def brute_force_ranges(units, given_weights):
    """Each corner combined the plain way, one unit at a time: what the fast path must agree with."""
    base = competition_ranks([combine(unit, given_weights).score for unit in units])
    ranges = [[rank, rank] for rank in base]
    for corner in corners(given_weights):
        for position, rank in enumerate(competition_ranks([combine(unit, corner).score for unit in units])):
            if rank is not None:
                ranges[position] = [min(ranges[position][0], rank), max(ranges[position][1], rank)]
    return [None if low is None else (low, high) for low, high in ranges]


@settings(max_examples=examples(40), deadline=None)
@given(any_units(max_size=8), weights)
def test_the_fast_rank_ranges_are_those_of_each_corner_combined(units, given_weights):
    # scores a hair apart could rank differently by the two summation orders; keep the examples clear of TIE
    assert rank_ranges(units, given_weights) == brute_force_ranges(units, given_weights)


@settings(deadline=None)
@given(any_units(max_size=10), weights)
def test_a_rank_range_holds_the_base_rank(units, given_weights):
    ranks = competition_ranks([combine(unit, given_weights).score for unit in units])
    for rank, span in zip(ranks, rank_ranges(units, given_weights), strict=True):
        if rank is None:
            assert span is None
        else:
            assert span[0] <= rank <= span[1]
            assert 1 <= span[0] and span[1] <= len(units)


@settings(deadline=None)
@given(units_sharing_a_pattern(min_size=1, max_size=8).flatmap(
    lambda units: st.tuples(st.just(units), st.integers(0, len(units) - 1)).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), st.just(pair[1]), better_unit(pair[0][pair[1]])))), weights)
def test_better_on_every_source_and_dimension_never_ranks_worse(case, given_weights):
    units, position, better = case
    worse_name, better_name = f"u{position}", "better"
    ranked = {entry.unit: entry for entry in rank_units(
        {**{f"u{n}": unit for n, unit in enumerate(units)}, better_name: better}, given_weights)}
    worse_entry, better_entry = ranked[worse_name], ranked[better_name]
    if worse_entry.rank is None:
        return
    assert better_entry.rank <= worse_entry.rank
    # and at every corner, so the ends of the range too
    assert better_entry.rank_range[0] <= worse_entry.rank_range[0]
    assert better_entry.rank_range[1] <= worse_entry.rank_range[1]


def test_equal_units_share_rank_and_range():
    unit = {Source.platform: {SUPPLY: 40, PUSH: 60}, Source.survey: {SUPPLY: 75}}
    ranked = rank_units({"a": unit, "b": dict(unit), "c": {Source.platform: {SUPPLY: 50, PUSH: 50}}}, EVEN)
    entries = {entry.unit: entry for entry in ranked}
    assert entries["a"].rank == entries["b"].rank
    assert entries["a"].rank_range == entries["b"].rank_range
