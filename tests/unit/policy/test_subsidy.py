import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.policy.subsidy import estimate


def test_fixed_amount():
    assert estimate({"type": "fixed", "amount": 100000}, {}) == 100000.0


@pytest.mark.parametrize(("employees", "amount"), [(0, 0.0), (120, 120000.0), (500, 500000.0), (501, 500000.0),
                                                   (10_000, 500000.0)])
def test_per_unit_is_capped(employees, amount):
    subsidy = {"type": "per_unit", "field": "employees", "rate": 1000, "cap": 500000}
    assert estimate(subsidy, {"employees": employees}) == amount


def test_ratio_rounds_to_the_fen():
    subsidy = {"type": "ratio", "field": "rd_expense", "rate": 0.1, "cap": None}
    assert estimate(subsidy, {"rd_expense": 123456.789}) == 12345.68


def test_unknown_fact_or_no_formula_gives_no_estimate():
    assert estimate({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"employees": 5}) is None
    assert estimate(None, {"employees": 5}) is None


@given(st.floats(min_value=0, max_value=1e12), st.floats(min_value=0.001, max_value=1),
       st.floats(min_value=1, max_value=1e9))
def test_an_estimate_never_exceeds_its_cap_nor_goes_negative(value, rate, cap):
    amount = estimate({"type": "ratio", "field": "rd_expense", "rate": rate, "cap": cap}, {"rd_expense": value})
    assert 0 <= amount <= round(cap, 2)


@pytest.mark.parametrize("subsidy, facts, budget, amount", [
    ({"type": "fixed", "amount": 20_000}, {}, 5_000, 5_000),
    ({"type": "fixed", "amount": 20_000}, {}, 50_000, 20_000),
    ({"type": "per_unit", "field": "employees", "rate": 1000, "cap": 100_000}, {"employees": 50}, 30_000, 30_000),
    ({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"rd_expense": 1_000}, 0, 0),
    ({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"rd_expense": 1_000}, None, 100),
])
def test_an_estimate_never_exceeds_the_whole_budget(subsidy, facts, budget, amount):
    assert estimate(subsidy, facts, budget) == amount
