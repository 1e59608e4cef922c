"""The derived facts of shared.facts, computed from a merged profile.

A derived fact whose inputs are missing (or make it meaningless) is absent, never None, so a rule
comparing it is simply false.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.tagging.domain import scale
from shared.contracts.gov import PERSONAL_FIELDS
from shared.facts import DERIVED_FACTS


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _anniversary(registered: date, year: int) -> date:
    # someone registered on 29 February has its anniversary on 28 February in common years
    try:
        return registered.replace(year=year)
    except ValueError:
        return registered.replace(year=year, day=28)


def age_years(registered_on: Any, today: date) -> float | None:
    """Calendar years since registration: whole years to the last anniversary, plus the part of
    the year since then. The third anniversary gives exactly 3.0, leap days or not.
    None when unknown or after `today`."""
    registered = _as_date(registered_on)
    if registered is None or registered > today:
        return None
    years = today.year - registered.year
    if _anniversary(registered, today.year) > today:
        years -= 1
    last = _anniversary(registered, registered.year + years)
    following = _anniversary(registered, registered.year + years + 1)
    return years + (today - last).days / (following - last).days


def derive(profile: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The profile (without None values and personal data) plus every derived fact its data allows.

    Derived names already in `profile` are dropped first, so a stale value never survives; personal
    fields (a contact's phone) are no facts: no rule may name them and they never travel to matching.
    """
    facts = {name: value for name, value in profile.items()
             if value is not None and name not in DERIVED_FACTS and name not in PERSONAL_FIELDS}

    age = age_years(facts.get("registered_on"), today)
    if age is not None:
        facts["age_years"] = age

    employees = _number(facts.get("employees"))
    revenue = _number(facts.get("annual_revenue"))
    assets = _number(facts.get("total_assets"))
    rd_expense = _number(facts.get("rd_expense"))
    if revenue is not None and employees is not None and employees > 0:
        facts["revenue_per_employee"] = revenue / employees
    if rd_expense is not None and revenue is not None and revenue > 0:
        facts["rd_intensity"] = rd_expense / revenue

    industry_code = facts.get("industry_code")
    if isinstance(industry_code, str) and scale.INDUSTRY_CODE.match(industry_code):
        facts["industry_section"] = industry_code[0]
        if len(industry_code) >= 3:
            facts["industry_division"] = industry_code[:3]
        size = scale.classify(industry_code, employees, revenue, assets)   # None for C12, F, K70 ...
        if size is not None:
            facts["scale"] = size
    return facts
