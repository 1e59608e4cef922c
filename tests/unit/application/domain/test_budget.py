"""A policy's budget: which moves touch it, what an approval reserves, and when it does not fit."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.application.domain import budget
from services.application.domain.budget import Effect
from services.application.domain.refusals import Refused
from services.application.domain.stages import Stage

amounts = st.decimals(min_value=0, max_value=10_000_000, places=2)


@pytest.mark.parametrize(("stage", "action", "effect"), [
    (Stage.review, "approve", Effect.commit),
    (Stage.objection, "approve", None),          # an objection dismissed: reserved once already
    (Stage.objection, "reject", Effect.release),  # an objection upheld: the approval is given back
    (Stage.review, "reject", None),               # never approved: nothing reserved
    (Stage.disbursement, "disburse", Effect.disburse),
    (Stage.acceptance, "accept", None),
    (Stage.public_notice, "end_notice", None),
])
def test_only_an_approval_an_upheld_objection_and_a_disbursement_touch_the_budget(stage, action, effect):
    assert budget.effect_of(stage, action) is effect


def test_an_approval_reserves_the_estimate_unless_a_lower_amount_is_asked():
    assert budget.approved_amount(Decimal("20000.00"), None) == Decimal("20000.00")
    assert budget.approved_amount(Decimal("20000.00"), Decimal("15000.005")) == Decimal("15000.01")
    assert budget.approved_amount(None, Decimal("8000")) == Decimal("8000.00")


def test_an_approval_needs_an_amount_and_never_more_than_the_estimate():
    with pytest.raises(Refused) as missing:
        budget.approved_amount(None, None)
    assert (missing.value.status, missing.value.details) == (422, [{"field": "amount", "message": "required"}])
    with pytest.raises(Refused) as more:
        budget.approved_amount(Decimal("20000.00"), Decimal("20000.01"))
    assert (more.value.status, more.value.details) == (422, [{"field": "amount", "message": "at most 20000.00"}])


def test_an_approval_that_would_overspend_is_refused_naming_what_remains():
    budget.check_fits(7, Decimal("100000.00"), Decimal("60000.00"), Decimal("40000.00"))   # exactly fits
    with pytest.raises(Refused) as refused:
        budget.check_fits(7, Decimal("100000.00"), Decimal("60000.00"), Decimal("40000.01"))
    assert refused.value.status == 409
    assert refused.value.details == {"remaining": Decimal("40000.00"), "budget": Decimal("100000.00"),
                                     "amount": Decimal("40000.01")}
    assert "remaining budget (40000.00 of 100000.00 yuan)" in refused.value.reason


@given(amounts, amounts)
def test_a_policy_without_a_budget_reserves_without_limit(committed, approved):
    budget.check_fits(7, None, committed, approved)


@given(amounts, amounts, amounts)
def test_an_approval_fits_exactly_when_the_sum_stays_within_the_budget(limit, committed, approved):
    try:
        budget.check_fits(7, limit, committed, approved)
        fits = True
    except Refused:
        fits = False
    assert fits == (committed + approved <= limit)
