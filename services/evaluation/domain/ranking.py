"""Ranks and rank ranges of a round's units (contract section 9, docs/evaluation.md).

Ranks are competition ranks ("1224"): a unit's rank is 1 + the number of units of its kind scoring more than it
by over `TIE` (1e-9), so units equal within 1e-9 share a rank and the next rank skips. A unit without a score
has no rank.

A unit's rank range is [best, worst] of its ranks over the base weights and every corner of the ±20% box: each of
the five dimension weights and four source weights multiplied by 0.8 or 1.2 (2^9 = 512 corners), each set then
renormalised to sum 1. This is the sensitivity analysis of the OECD/JRC Handbook on Constructing Composite
Indicators (2008), step 7 (robustness and sensitivity): how much a unit's place depends on the weights
chosen. docs/evaluation.md says more.

Fast in pure Python: a corner's dimension scores depend only on the four source multipliers (16 settings), so
they are computed 16 times, once per unit and dimension; each of the 512 corners is then one five-term sum per
unit, a sort and a bisection per unit.
"""
from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.evaluation.domain.combination import Combined, UnitScores, combine
from services.evaluation.domain.weights import Weights
from shared.contracts.evaluation import Dimension, Source

TIE = 1e-9
MULTIPLIERS = (0.8, 1.2)

_DIMENSIONS = tuple(Dimension)
_SOURCES = tuple(Source)


def competition_ranks(scores: Sequence[float | None]) -> list[int | None]:
    """Each score's competition rank among `scores` (highest first, equal within TIE share a rank); None for
    None."""
    ranked = sorted(score for score in scores if score is not None)
    above = len(ranked) + 1
    return [None if score is None else above - bisect_right(ranked, score + TIE) for score in scores]


def _scaled(weights: Mapping, multipliers: Sequence[float]) -> dict:
    scaled = {name: weight * factor for (name, weight), factor in zip(weights.items(), multipliers, strict=True)}
    total = sum(scaled.values())
    return {name: weight / total for name, weight in scaled.items()}


def corners(weights: Weights) -> list[Weights]:
    """The 512 corners of the ±20% box around `weights`, each set renormalised to sum 1; the dimensions'
    multipliers vary slowest."""
    dimension_sets = [_scaled(weights.dimensions, factors)
                      for factors in itertools.product(MULTIPLIERS, repeat=len(_DIMENSIONS))]
    source_sets = [_scaled(weights.sources, factors)
                   for factors in itertools.product(MULTIPLIERS, repeat=len(_SOURCES))]
    return [Weights(dimensions, sources) for dimensions in dimension_sets for sources in source_sets]


def rank_ranges(units: Sequence[UnitScores], weights: Weights) -> list[tuple[int, int] | None]:
    """Each unit's [best, worst] rank over the base weights and the 512 corners; None for a unit without a
    score."""
    return _ranges(units, weights, competition_ranks([combine(unit, weights).score for unit in units]))


def _ranges(units: Sequence[UnitScores], weights: Weights,
            base: Sequence[int | None]) -> list[tuple[int, int] | None]:
    # a unit without a score has none at any corner: whether a weighted score is present does not depend on
    # positive multipliers. Only the scored units take part.
    scored = [position for position, rank in enumerate(base) if rank is not None]
    # per scored unit and dimension: (source position, score) of each source that scored it
    table = [[[(index, value) for index, source in enumerate(_SOURCES)
               if (value := (units[position].get(source) or {}).get(dimension)) is not None]
              for dimension in _DIMENSIONS] for position in scored]
    best = [base[position] for position in scored]
    worst = list(best)
    above = len(scored) + 1
    # each corner's dimension weights, with the weight of the dimensions present for each of the 32 patterns
    dimension_sets = []
    for factors in itertools.product(MULTIPLIERS, repeat=len(_DIMENSIONS)):
        dimension_weights = tuple(_scaled(weights.dimensions, factors).values())
        dimension_sets.append((dimension_weights,
                               [sum(weight for bit, weight in enumerate(dimension_weights) if mask >> bit & 1)
                                for mask in range(1 << len(_DIMENSIONS))]))
    for factors in itertools.product(MULTIPLIERS, repeat=len(_SOURCES)):
        columns, masks = _dimension_scores(table, tuple(_scaled(weights.sources, factors).values()))
        for (w0, w1, w2, w3, w4), totals in dimension_sets:
            scores = [(w0 * a + w1 * b + w2 * c + w3 * d + w4 * e) / totals[mask]
                      for a, b, c, d, e, mask in zip(*columns, masks, strict=True)]
            ranked = sorted(scores)
            # competition_ranks, every score being present
            ranks = [above - bisect_right(ranked, score + TIE) for score in scores]
            best = list(map(min, best, ranks))
            worst = list(map(max, worst, ranks))
    ranges: list[tuple[int, int] | None] = [None] * len(units)
    for position, low, high in zip(scored, best, worst, strict=True):
        ranges[position] = (low, high)
    return ranges


def _dimension_scores(table: list, source_weights: Sequence[float]) -> tuple[list[list[float]], list[int]]:
    """Per dimension, every unit's score under these source weights (0.0 where it has none), and per unit the
    bit mask of the dimensions it has a score on (a source of weight 0 does not count)."""
    columns = [[0.0] * len(table) for _ in _DIMENSIONS]
    masks = [0] * len(table)
    for row, dimensions in enumerate(table):
        mask = 0
        for bit, entries in enumerate(dimensions):
            total = weighted = 0.0
            for index, value in entries:
                weight = source_weights[index]
                if weight > 0:
                    weighted += weight * value
                    total += weight
            if total > 0:
                columns[bit][row] = weighted / total
                mask |= 1 << bit
        masks[row] = mask
    return columns, masks


@dataclass(frozen=True)
class Ranked:
    """A unit's entry in a round's results."""

    unit: str
    score: float | None
    rank: int | None
    rank_range: tuple[int, int] | None
    dimensions: dict[Dimension, float | None]
    sources: dict[Source, float | None]

    def to_json(self) -> dict:
        """`{"unit", "score", "rank", "rank_range": [best, worst], "dimensions", "sources"}` (contract section 9;
        the service adds `name`)."""
        return {"unit": self.unit, "score": self.score, "rank": self.rank,
                "rank_range": list(self.rank_range) if self.rank_range else None,
                "dimensions": {str(name): value for name, value in self.dimensions.items()},
                "sources": {str(name): value for name, value in self.sources.items()}}


def rank_units(units: Mapping[str, UnitScores], weights: Weights) -> list[Ranked]:
    """Every unit of one kind combined, ranked, with its rank range: in rank order (units without a score last),
    equal ranks in the order given."""
    names = list(units)
    combined: list[Combined] = [combine(units[name], weights) for name in names]
    ranks = competition_ranks([entry.score for entry in combined])
    ranges = _ranges([units[name] for name in names], weights, ranks)
    entries = [Ranked(name, entry.score, rank, span, entry.dimensions, entry.sources)
               for name, entry, rank, span in zip(names, combined, ranks, ranges, strict=True)]
    return sorted(entries, key=lambda entry: (entry.rank is None, entry.rank or 0))
