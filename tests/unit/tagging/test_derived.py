"""Derived facts: present only when their inputs allow, exact on the edges."""
from __future__ import annotations

from datetime import date

import pytest

from services.tagging.domain.derived import age_years, derive
from shared.facts import DERIVED_FACTS, FACTS

TODAY = date(2026, 11, 27)

FULL = {
    "name": "滨州示例纺织有限公司",
    "registered_on": "2016-11-27",
    "ownership": "private",
    "industry_code": "C1711",
    "county": "371681",
    "employees": 120,
    "annual_revenue": 36_000_000.0,
    "total_assets": 50_000_000.0,
    "rd_expense": 1_080_000.0,
    "qualifications": ["tech_sme"],
    "interests": ["financing"],
    "status": "active",
}


def test_personal_fields_are_no_facts():
    facts = derive({**FULL, "contact_phone": "13812341234"}, TODAY)
    assert "contact_phone" not in facts
    assert {name: value for name, value in facts.items() if name not in DERIVED_FACTS} == FULL


def test_full_profile_gets_every_derived_fact():
    facts = derive(FULL, TODAY)
    assert {name: value for name, value in facts.items() if name not in DERIVED_FACTS} == FULL
    assert set(facts) - set(FULL) == set(DERIVED_FACTS)
    assert facts["age_years"] == 10.0
    assert facts["revenue_per_employee"] == 300_000.0
    assert facts["rd_intensity"] == 0.03
    assert facts["scale"] == "small"          # industry: 120 < 300 employees
    assert facts["industry_section"] == "C"
    assert facts["industry_division"] == "C17"


def test_every_derived_name_is_a_declared_fact():
    for name in derive(FULL, TODAY):
        assert name in FACTS


def test_does_not_mutate_its_input():
    profile = dict(FULL)
    derive(profile, TODAY)
    assert profile == FULL


def test_empty_profile_derives_nothing():
    assert derive({}, TODAY) == {}


def test_none_values_count_as_missing_and_are_dropped():
    facts = derive({"employees": None, "annual_revenue": 100.0, "industry_code": None}, TODAY)
    assert facts == {"annual_revenue": 100.0}


def test_stale_derived_values_in_the_input_do_not_survive():
    facts = derive({"scale": "large", "age_years": 99.0, "rd_intensity": 0.5, "industry_section": "Z"}, TODAY)
    assert facts == {}


# age -------------------------------------------------------------------------------------------
def test_registered_today_is_zero_years():
    assert derive({"registered_on": TODAY.isoformat()}, TODAY)["age_years"] == 0.0


def test_date_objects_are_accepted_as_well_as_iso_strings():
    assert derive({"registered_on": date(2020, 1, 1)}, TODAY)["age_years"] == \
        derive({"registered_on": "2020-01-01"}, TODAY)["age_years"]


def test_registration_after_today_gives_no_age():
    assert "age_years" not in derive({"registered_on": "2026-11-28"}, TODAY)


def test_unparseable_registration_gives_no_age():
    assert "age_years" not in derive({"registered_on": "2026-02-30"}, TODAY)


@pytest.mark.parametrize(("registered", "today", "years"), [
    ("2023-11-27", date(2026, 11, 27), 3.0),    # third anniversary, the span holds 2024-02-29
    ("2020-03-01", date(2023, 3, 1), 3.0),      # third anniversary, the span holds no 29 February
    ("2024-02-29", date(2027, 2, 28), 3.0),     # born on a leap day: its anniversary is 28 February
    ("2016-11-27", date(2026, 11, 27), 10.0),   # tenth anniversary, two leap days
    ("2015-11-27", date(2025, 11, 27), 10.0),   # tenth anniversary, three leap days
    ("2024-02-28", date(2024, 3, 1), 2 / 366),  # two days into a year that holds 29 February
    ("2025-01-01", date(2025, 7, 2), 182 / 365),
])
def test_age_is_calendar_years(registered, today, years):
    assert derive({"registered_on": registered}, today)["age_years"] == pytest.approx(years)


def test_age_moves_to_the_next_whole_year_on_the_anniversary_itself():
    assert age_years("2023-11-28", date(2026, 11, 27)) < 3
    assert age_years("2023-11-27", date(2026, 11, 27)) == 3
    assert age_years("2020-03-01", date(2023, 2, 28)) < 3
    assert age_years("2020-03-01", date(2023, 3, 1)) == 3


# ratios ----------------------------------------------------------------------------------------
def test_zero_employees_gives_no_revenue_per_employee_but_still_a_scale():
    facts = derive({"employees": 0, "annual_revenue": 1_000_000.0, "industry_code": "C30"}, TODAY)
    assert "revenue_per_employee" not in facts
    assert facts["scale"] == "micro"


def test_zero_revenue_gives_no_rd_intensity():
    facts = derive({"annual_revenue": 0.0, "rd_expense": 100.0, "employees": 4}, TODAY)
    assert "rd_intensity" not in facts
    assert facts["revenue_per_employee"] == 0.0


def test_zero_rd_expense_gives_zero_intensity():
    assert derive({"annual_revenue": 10.0, "rd_expense": 0.0}, TODAY)["rd_intensity"] == 0.0


def test_missing_rd_expense_gives_no_intensity():
    assert "rd_intensity" not in derive({"annual_revenue": 10.0}, TODAY)


def test_missing_revenue_gives_no_ratio():
    facts = derive({"employees": 10, "rd_expense": 5.0}, TODAY)
    assert "revenue_per_employee" not in facts
    assert "rd_intensity" not in facts


@pytest.mark.parametrize(("rd", "revenue"), [(3, 100), (30_000, 1_000_000), (1_500_000, 50_000_000)])
def test_exact_ratios_equal_their_decimal_literal(rd, revenue):
    """A rule's 0.03 matches an enterprise whose R&D is exactly 3 % of revenue."""
    assert derive({"annual_revenue": float(revenue), "rd_expense": float(rd)}, TODAY)["rd_intensity"] == 0.03


# industry ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "section", "division"), [
    ("C", "C", None), ("C30", "C", "C30"), ("C301", "C", "C30"), ("C3011", "C", "C30"), ("I6510", "I", "I65"),
])
def test_industry_section_and_division(code, section, division):
    facts = derive({"industry_code": code}, TODAY)
    assert facts["industry_section"] == section
    assert facts.get("industry_division") == division


@pytest.mark.parametrize("code", ["c30", "C3", "Z", "C30111", ""])
def test_malformed_industry_code_derives_nothing(code):
    assert derive({"industry_code": code, "employees": 5}, TODAY) == {"industry_code": code, "employees": 5}


def test_division_outside_its_section_keeps_section_and_division_but_gets_no_scale():
    facts = derive({"industry_code": "C12", "employees": 5, "annual_revenue": 1.0}, TODAY)
    assert facts["industry_section"] == "C"
    assert facts["industry_division"] == "C12"
    assert "scale" not in facts


def test_scale_needs_the_group_indicators():
    assert "scale" not in derive({"industry_code": "C30", "employees": 5}, TODAY)
    assert derive({"industry_code": "M73", "employees": 5}, TODAY)["scale"] == "micro"
    assert "scale" not in derive({"industry_code": "F", "employees": 5, "annual_revenue": 1.0}, TODAY)
    assert "scale" not in derive({"employees": 5, "annual_revenue": 1.0}, TODAY)
