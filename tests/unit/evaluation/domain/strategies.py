"""Hypothesis strategies for the evaluation rules: weights that sum to 1, units' scores by source and dimension."""
from __future__ import annotations

from hypothesis import strategies as st

from services.evaluation.domain.weights import Weights
from shared.contracts.evaluation import Dimension, Source

# the weights the worked examples use
EVEN = Weights(dict.fromkeys(Dimension, 0.2), {Source.platform: 0.4, Source.self: 0.1, Source.survey: 0.3,
                                               Source.third_party: 0.2})
SUPPLY, PUSH = Dimension.supply_match, Dimension.push_coverage

score = st.floats(min_value=0, max_value=100, allow_nan=False)


def weight_set(names) -> st.SearchStrategy[dict]:
    """Weights over `names`, each 0..1, summing to 1: positive integer parts, some possibly 0, scaled."""
    names = list(names)
    return (st.lists(st.integers(min_value=0, max_value=20), min_size=len(names), max_size=len(names))
            .filter(lambda parts: sum(parts) > 0)
            .map(lambda parts: {name: part / sum(parts) for name, part in zip(names, parts, strict=True)}))


weights = st.builds(Weights, weight_set(Dimension), weight_set(Source))
positive_weights = st.builds(
    Weights,
    weight_set(Dimension).filter(lambda given: all(value > 0 for value in given.values())),
    weight_set(Source).filter(lambda given: all(value > 0 for value in given.values())))

# which (source, dimension) pairs are scored: one pattern shared by the units compared
pattern = st.sets(st.tuples(st.sampled_from(list(Source)), st.sampled_from(list(Dimension))), min_size=1)


def unit_with(present) -> st.SearchStrategy[dict]:
    """A unit scored on exactly the `present` (source, dimension) pairs."""
    pairs = sorted(present)
    return st.lists(score, min_size=len(pairs), max_size=len(pairs)).map(lambda values: _unit(pairs, values))


def _unit(pairs, values) -> dict:
    unit: dict = {}
    for (source, dimension), value in zip(pairs, values, strict=True):
        unit.setdefault(source, {})[dimension] = value
    return unit


@st.composite
def units_sharing_a_pattern(draw, min_size=1, max_size=12) -> list[dict]:
    present = draw(pattern)
    return draw(st.lists(unit_with(present), min_size=min_size, max_size=max_size))


@st.composite
def any_units(draw, min_size=1, max_size=12) -> list[dict]:
    """Units each with its own pattern, some with none at all."""
    return draw(st.lists(pattern.flatmap(unit_with) | st.just({}), min_size=min_size, max_size=max_size))


@st.composite
def better_unit(draw, unit: dict) -> dict:
    """A unit at least as good as `unit` on every (source, dimension) it scores, and scored on the same ones."""
    return {source: {dimension: draw(st.floats(min_value=value, max_value=100, allow_nan=False))
                     for dimension, value in scores.items()}
            for source, scores in unit.items()}
