"""Subsidy formulas (contract section 6): the amount a match is estimated to receive."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def estimate(subsidy: Mapping[str, Any] | None, facts: Mapping[str, Any], budget: float | None = None) -> float | None:
    """Yuan, rounded to the fen; None when there is no formula or the fact it needs is unknown.

    Never more than the policy's whole budget: no one enterprise can be paid beyond it."""
    if not subsidy:
        return None
    if subsidy["type"] == "fixed":
        amount = float(subsidy["amount"])
    else:
        value = facts.get(subsidy["field"])
        if value is None or isinstance(value, bool):
            return None
        amount = float(value) * float(subsidy["rate"])
        if subsidy.get("cap") is not None:
            amount = min(amount, float(subsidy["cap"]))
    if budget is not None:
        amount = min(amount, float(budget))
    return round(max(amount, 0.0), 2)
