"""A round's weights (contract section 9): one set over the five dimensions, one over the four sources, each
weight from 0 to 1 and each set summing to 1; and a set renormalised over the names that are present.

A weight of 0 is allowed: that dimension or source then counts for nothing in the round (it is left out like
a missing score, see `combination`)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from shared.contracts.evaluation import Dimension, Source
from shared.errors import Invalid

# a set of weights sums to 1 within this much (0.1 + 0.2 + 0.7 is not exactly 1 in binary)
SUM_TOLERANCE = 1e-9

Name = TypeVar("Name", bound=StrEnum)


@dataclass(frozen=True)
class Weights:
    """A round's checked weights: `dimensions` (five, summing to 1) and `sources` (four, summing to 1)."""

    dimensions: Mapping[Dimension, float]
    sources: Mapping[Source, float]

    def to_json(self) -> dict[str, dict[str, float]]:
        """As a round keeps and answers them: `{"weights": {...}, "source_weights": {...}}`."""
        return {"weights": {str(name): weight for name, weight in self.dimensions.items()},
                "source_weights": {str(name): weight for name, weight in self.sources.items()}}


def check_weights(weights: Any, source_weights: Any) -> Weights:
    """The round's weights, or Invalid (422) naming each offending field (`weights.push_coverage`) and its rule:
    each set has exactly its names, each weight is a number from 0 to 1, each set sums to 1 (within 1e-9)."""
    problems = _problems("weights", weights, Dimension) + _problems("source_weights", source_weights, Source)
    if problems:
        raise Invalid(f"{problems[0]['field']}: {problems[0]['message']}", problems)
    return Weights({name: float(weights[str(name)]) for name in Dimension},
                   {name: float(source_weights[str(name)]) for name in Source})


def _problems(field: str, given: Any, names: type[StrEnum]) -> list[dict[str, str]]:
    expected = [str(name) for name in names]
    if not isinstance(given, Mapping):
        return [{"field": field, "message": f"must be an object with a weight for each of {', '.join(expected)}"}]
    problems = [{"field": f"{field}.{key}", "message": f"is not one of {', '.join(expected)}"}
                for key in given if key not in expected]
    problems += [{"field": f"{field}.{name}", "message": "is required: every one of the set has a weight"}
                 for name in expected if name not in given]
    for name in expected:
        value = given.get(name)
        if name not in given:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            problems.append({"field": f"{field}.{name}", "message": f"must be a number from 0 to 1, got {value!r}"})
        elif not 0 <= value <= 1:
            problems.append({"field": f"{field}.{name}", "message": f"must be from 0 to 1, got {value}"})
    if not problems:
        total = math.fsum(float(given[name]) for name in expected)
        if abs(total - 1) > SUM_TOLERANCE:
            problems.append({"field": field, "message": f"must sum to 1, got {total:.12g}"})
    return problems


def renormalised(weights: Mapping[Name, float], present: Iterable[Name]) -> dict[Name, float]:
    """The weights of the `present` names with a positive weight, scaled to sum to 1; empty when none has one
    (then nothing present counts, and whatever they would weigh has no value)."""
    kept = {name: weights[name] for name in present if weights[name] > 0}
    total = math.fsum(kept.values())
    return {name: weight / total for name, weight in kept.items()} if total > 0 else {}
