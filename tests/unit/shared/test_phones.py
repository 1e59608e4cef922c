"""Contact phones: the rule, the mask, and that a rule may not name one."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared import eligibility
from shared.contracts.gov import EnterpriseProfile
from shared.phones import is_mobile, masked

USCC = "913716024JURQ28300"


@pytest.mark.parametrize("phone", ["13812341234", "19900000000", "10000000000"])
def test_a_profile_takes_an_11_digit_number_starting_with_1(phone):
    assert EnterpriseProfile(uscc=USCC, contact_phone=phone).contact_phone == phone


@pytest.mark.parametrize("phone", ["23812341234", "1381234123", "138123412345", "138-1234-1234", "+8613812341234",
                                   "", "１３８１２３４１２３４"])
def test_a_profile_refuses_any_other_phone_naming_the_field(phone):
    with pytest.raises(ValidationError) as refused:
        EnterpriseProfile(uscc=USCC, contact_phone=phone)
    (error,) = refused.value.errors()
    assert error["loc"] == ("contact_phone",)
    assert "11 digits starting with 1" in error["msg"]


def test_mask_shows_the_first_three_and_last_four_digits():
    assert masked("13812341234") == "138****1234"
    assert masked(None) is None


@given(st.from_regex(r"^1[0-9]{10}\Z"))
def test_mask_of_any_mobile_hides_the_middle_four(phone):
    shown = masked(phone)
    assert is_mobile(phone)
    assert shown[:3] == phone[:3] and shown[-4:] == phone[-4:] and shown[3:7] == "****" and len(shown) == 11


@given(st.text(max_size=30).filter(lambda text: not is_mobile(text)))
def test_mask_of_anything_else_shows_at_most_two_characters(text):
    shown = masked(text)
    assert len(shown) == len(text)
    assert shown[:-2].strip("*") == ""


def test_a_rule_naming_the_contact_phone_is_refused():
    with pytest.raises(eligibility.RuleError) as refused:
        eligibility.parse({"field": "contact_phone", "op": "==", "value": "13812341234"}, set())
    assert "unknown field" in str(refused.value)
