import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import uscc

body17 = st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17)


@pytest.mark.parametrize("code", ["913716024JURQ28300", "91350100M000100Y43", "91110000600037341L"])
def test_real_codes_verify(code):
    assert uscc.validate(code) == code


def test_the_check_character_is_computed_by_gb_32100():
    # weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28, modulo 31
    assert uscc.check_character("91350100M000100Y4") == "3"


@given(body17)
def test_completed_codes_always_verify(body):
    assert uscc.validate(uscc.complete(body)) == body + uscc.check_character(body)


@given(body17, st.sampled_from(uscc.ALPHABET))
def test_any_other_check_character_is_refused(body, wrong):
    if wrong == uscc.check_character(body):
        return
    with pytest.raises(uscc.UsccError, match="check character"):
        uscc.validate(body + wrong)


@pytest.mark.parametrize(("code", "rule"), [
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100Y433", "18 characters"),
    ("91350100m000100Y43", "upper case"),
    ("91350100I000100Y43", "not allowed"),   # I, O, S, V, Z are never used
    ("91350100M000100Y4Z", "not allowed"),
])
def test_malformed_codes_name_the_rule(code, rule):
    with pytest.raises(uscc.UsccError, match=rule):
        uscc.validate(code)
