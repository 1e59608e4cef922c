"""A financing plan (一企一方案) and a visit: what each takes."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.counselling.domain.problems import check_text
from shared.errors import Invalid
from shared.money import MAX_YUAN, ZERO


def _amount(value: Decimal | None, field: str) -> Decimal | None:
    if value is not None and not ZERO <= value <= MAX_YUAN:
        raise Invalid(f"{field}：金额须在 0 到 {MAX_YUAN} 元之间", {"field": field})
    return value


def check_plan(*, needs: str, measures: str, amount_coordinated: Decimal) -> dict:
    return {"needs": check_text(needs, "needs"), "measures": check_text(measures, "measures"),
            "amount_coordinated": _amount(amount_coordinated, "amount_coordinated")}


def check_visit(*, visited_on: date, notes: str, financing_need: Decimal | None, today: date) -> dict:
    if visited_on > today:
        raise Invalid(f"visited_on：走访日期不能晚于今天（{today.isoformat()}）", {"field": "visited_on"})
    return {"visited_on": visited_on, "notes": check_text(notes, "notes"),
            "financing_need": _amount(financing_need, "financing_need")}
