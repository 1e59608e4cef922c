"""One unit's score from its sources' scores (contract section 9, docs/evaluation.md).

A unit's scores come as `UnitScores`: per source, the dimensions it scored (0..100; a dimension left out or
None is not scored by that source). For each dimension, its score is the weighted mean over the sources that
scored it, the round's `source_weights` renormalised over them; the unit's score is the weighted mean over the
dimensions that have a score, the round's `weights` renormalised over those. A missing score is left out and the
rest renormalised: it is never counted as 0. A weight of 0 leaves its source or dimension out in the same way.
Each source's own figure (the `sources` breakdown) is its weighted mean over the dimensions it scored.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from services.evaluation.domain.weights import Weights, renormalised
from shared.contracts.evaluation import Dimension, Source

UnitScores = Mapping[Source, Mapping[Dimension, float | None]]


@dataclass(frozen=True)
class Combined:
    """A unit's score (0..100, None when nothing weighted was scored), its five dimensions, its four sources."""

    score: float | None
    dimensions: dict[Dimension, float | None]
    sources: dict[Source, float | None]


def weighted_mean(values: Mapping, weights: Mapping) -> float | None:
    """The mean of the `values` that are not None, by `weights` renormalised over them; None when no value with
    a positive weight is left. Kept within 0..100 against rounding (the weights' sum may be 1 ± 1e-16)."""
    present = renormalised(weights, [name for name, value in values.items() if value is not None])
    if not present:
        return None
    return min(100.0, max(0.0, math.fsum(weight * values[name] for name, weight in present.items())))


def combine(scores: UnitScores, weights: Weights) -> Combined:
    """The unit's combined score, by the rules of the module docstring."""
    by_source = {source: scores.get(source) or {} for source in Source}
    dimensions = {dimension: weighted_mean({source: by_source[source].get(dimension) for source in Source},
                                           weights.sources)
                  for dimension in Dimension}
    sources = {source: weighted_mean({dimension: by_source[source].get(dimension) for dimension in Dimension},
                                     weights.dimensions)
               for source in Source}
    return Combined(weighted_mean(dimensions, weights.dimensions), dimensions, sources)
