from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from services.policy.domain.subsidy import estimate
from shared.money import MAX_YUAN

D = Decimal


def test_fixed_amount():
    assert estimate({"type": "fixed", "amount": 100000}, {}) == D("100000.00")


@pytest.mark.parametrize(("employees", "amount"), [(0, "0.00"), (120, "120000.00"), (500, "500000.00"),
                                                   (501, "500000.00"), (10_000, "500000.00")])
def test_per_unit_is_capped(employees, amount):
    subsidy = {"type": "per_unit", "field": "employees", "rate": 1000, "cap": 500000}
    assert estimate(subsidy, {"employees": employees}) == D(amount)


def test_ratio_rounds_to_the_fen():
    subsidy = {"type": "ratio", "field": "rd_expense", "rate": 0.1, "cap": None}
    assert estimate(subsidy, {"rd_expense": 123456.789}) == D("12345.68")


@pytest.mark.parametrize(("value", "rate", "amount"), [
    (2.675, 1, "2.68"),          # a float rounds it to 2.67: 2.675 is 2.67499999... in binary
    (1.005, 1, "1.01"),          # likewise 1.00
    (1.25, 0.1, "0.13"),         # half up, not half even (Python's round gives 0.12)
    (0.125, 1, "0.13"),
    (10.05, 0.1, "1.01"),
    (0.004999, 1, "0.00"),
])
def test_an_exact_half_fen_rounds_up(value, rate, amount):
    assert estimate({"type": "ratio", "field": "rd_expense", "rate": rate}, {"rd_expense": value}) == D(amount)


def test_amounts_are_exact_decimals_with_two_places():
    amount = estimate({"type": "ratio", "field": "rd_expense", "rate": 0.035}, {"rd_expense": 1_000_000})
    assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2 and amount == D("35000.00")


def test_unknown_fact_or_no_formula_gives_no_estimate():
    assert estimate({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"employees": 5}) is None
    assert estimate({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"rd_expense": float("nan")}) is None
    assert estimate({"type": "per_unit", "field": "employees", "rate": 10}, {"employees": True}) is None
    assert estimate(None, {"employees": 5}) is None


def test_a_negative_fact_gives_nothing_and_a_huge_one_no_more_than_the_platform_keeps():
    assert estimate({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"rd_expense": -5_000}) == D("0.00")
    assert estimate({"type": "ratio", "field": "rd_expense", "rate": 1}, {"rd_expense": 1e300}) == MAX_YUAN


amounts = st.decimals(min_value=D("0.01"), max_value=D("10000000000"), places=2)
rates = st.decimals(min_value=D("0.000001"), max_value=D(1), places=6)
facts = st.one_of(st.floats(min_value=-1e6, max_value=1e12, allow_nan=False),
                  st.integers(min_value=-10**6, max_value=10**12))


@given(facts, rates, st.none() | amounts, st.none() | amounts)
@example(2.675, D(1), None, None)
def test_a_ratio_is_the_exact_product_rounded_half_up_within_cap_and_budget_never_negative(value, rate, cap, budget):
    subsidy = {"type": "ratio", "field": "rd_expense", "rate": float(rate), "cap": None if cap is None else float(cap)}
    amount = estimate(subsidy, {"rd_expense": value}, budget)
    exact = D(repr(value) if isinstance(value, float) else value) * rate
    limits = [limit for limit in (cap, budget) if limit is not None]
    expected = max(min([exact, *limits]), D(0)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert amount == expected
    assert amount >= 0 and amount.as_tuple().exponent == -2
    assert all(amount <= limit for limit in limits)


@given(st.integers(min_value=0, max_value=10**9), amounts, st.none() | amounts, st.none() | amounts)
def test_per_unit_never_exceeds_its_cap_nor_the_budget(units, rate, cap, budget):
    subsidy = {"type": "per_unit", "field": "employees", "rate": float(rate), "cap": cap and float(cap)}
    amount = estimate(subsidy, {"employees": units}, budget)
    assert amount == min([units * rate, MAX_YUAN, *(limit for limit in (cap, budget) if limit is not None)])
    assert amount >= 0


@pytest.mark.parametrize("subsidy, facts, budget, amount", [
    ({"type": "fixed", "amount": 20_000}, {}, D(5_000), "5000.00"),
    ({"type": "fixed", "amount": 20_000}, {}, D(50_000), "20000.00"),
    ({"type": "per_unit", "field": "employees", "rate": 1000, "cap": 100_000}, {"employees": 50}, D(30_000),
     "30000.00"),
    ({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"rd_expense": 1_000}, D(0), "0.00"),
    ({"type": "ratio", "field": "rd_expense", "rate": 0.1}, {"rd_expense": 1_000}, None, "100.00"),
])
def test_an_estimate_never_exceeds_the_whole_budget(subsidy, facts, budget, amount):
    assert estimate(subsidy, facts, budget) == D(amount)
