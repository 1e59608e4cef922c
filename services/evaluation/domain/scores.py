"""Scores by dimension (a mapping of some of the five dimensions to 0..100), as a unit's self-assessment or an
assessor's filing gives them, and their mean: the third-party source is the mean of the assessors' filings, a
unit's survey source the mean of its responding enterprises' scores."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from shared.contracts.evaluation import Dimension
from shared.errors import Invalid

ScoreMap = Mapping[Dimension, float]
# the most characters of a filing's evidence (links and a short account; documents live elsewhere)
MAX_EVIDENCE = 10_000


def check_scores(scores: Any, field: str = "scores") -> dict[Dimension, float]:
    """A filing's scores, or Invalid (422) naming the field (`scores.supply_match`) and the rule: an object of
    one or more of the five dimensions, each a number from 0 to 100. A dimension left out is not scored by the
    filing (it is left out of the combination, never counted as 0)."""
    names = [str(name) for name in Dimension]
    if not isinstance(scores, Mapping) or not scores:
        raise Invalid(f"{field}: must be an object scoring one or more of {', '.join(names)} from 0 to 100",
                      [{"field": field, "message": "must be a non-empty object of dimension scores"}])
    problems = []
    for key, value in scores.items():
        where = f"{field}.{key}"
        if key not in names:
            problems.append({"field": where, "message": f"is not one of {', '.join(names)}"})
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            problems.append({"field": where, "message": f"must be a number from 0 to 100, got {value!r}"})
        elif not 0 <= value <= 100:
            problems.append({"field": where, "message": f"must be from 0 to 100, got {value}"})
    if problems:
        raise Invalid(f"{problems[0]['field']}: {problems[0]['message']}", problems)
    return {Dimension(key): float(value) for key, value in scores.items()}


def check_evidence(evidence: Any, field: str = "evidence") -> str:
    """A filing's evidence: non-empty text of at most MAX_EVIDENCE characters, or Invalid (422)."""
    if not isinstance(evidence, str) or not evidence.strip():
        raise Invalid(f"{field}: evidence is required (what the scores rest on)",
                      [{"field": field, "message": "must be non-empty text"}])
    if len(evidence) > MAX_EVIDENCE or "\x00" in evidence:
        raise Invalid(f"{field}: at most {MAX_EVIDENCE:,} characters of text",
                      [{"field": field, "message": f"at most {MAX_EVIDENCE:,} characters, no NUL"}])
    return evidence.strip()


def mean_scores(many: Iterable[Mapping[Dimension, float | None]]) -> dict[Dimension, float | None]:
    """Per dimension, the mean over the maps that score it; None for a dimension none scores."""
    sums = dict.fromkeys(Dimension, 0.0)
    counts = dict.fromkeys(Dimension, 0)
    for scores in many:
        for name, value in scores.items():
            if value is not None:
                sums[name] += value
                counts[name] += 1
    return {name: (sums[name] / counts[name] if counts[name] else None) for name in Dimension}
