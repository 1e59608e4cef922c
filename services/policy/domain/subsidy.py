"""Subsidy formulas (contract section 6): the amount a match is estimated to receive, in exact yuan."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared.money import FEN, MAX_YUAN, ROUNDING, ZERO, exact


def estimate(subsidy: Mapping[str, Any] | None, facts: Mapping[str, Any],
             budget: Decimal | None = None) -> Decimal | None:
    """Yuan with two places, rounded half up (`shared.money.ROUNDING`) once, from the exact product;
    None when there is no formula or the fact it needs is unknown.

    Never negative, never more than the cap nor than the policy's whole budget (no one enterprise can
    be paid beyond it), nor than MAX_YUAN (no fact makes an amount the platform cannot keep)."""
    if not subsidy:
        return None
    if subsidy["type"] == "fixed":
        amount = exact(subsidy["amount"])
    else:
        value = facts.get(subsidy["field"])
        if value is None or isinstance(value, bool):
            return None
        try:
            amount = exact(value) * exact(subsidy["rate"])
        except ValueError:
            return None   # not a finite number: as good as unknown
        if subsidy.get("cap") is not None:
            amount = min(amount, exact(subsidy["cap"]))
    if budget is not None:
        amount = min(amount, exact(budget))
    return min(max(amount, ZERO), MAX_YUAN).quantize(FEN, rounding=ROUNDING)
