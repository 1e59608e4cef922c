"""What a tag change may not alter: sent back as read it is accepted, sent different it is refused."""
from hypothesis import given
from hypothesis import strategies as st

from services.tagging.domain.catalogue import FIXED_ON_CHANGE, fixed_field_changes

CURRENT = {"code": "scale.small", "category": "scale", "state": "active", "origin": "default"}


def test_the_representation_read_back_changes_nothing():
    assert fixed_field_changes(CURRENT, {**CURRENT, "name": "小型企业", "updated_at": "2026-11-27T00:00:00Z"}) == []


def test_left_out_or_null_fields_change_nothing():
    assert fixed_field_changes(CURRENT, {}) == []
    assert fixed_field_changes(CURRENT, dict.fromkeys(CURRENT)) == []


def test_each_change_is_named_with_what_it_must_stay():
    errors = fixed_field_changes(CURRENT, {"code": "scale.tiny", "category": "county", "state": "retired",
                                           "origin": "staff"})
    assert [error["field"] for error in errors] == ["code", "category", "state", "origin"]
    for error in errors:
        assert CURRENT[error["field"]] in error["message"]


@given(st.dictionaries(st.sampled_from(sorted(FIXED_ON_CHANGE)), st.text(min_size=1, max_size=12)))
def test_exactly_the_fields_given_with_another_value_are_refused(given_fields):
    refused = {error["field"] for error in fixed_field_changes(CURRENT, given_fields)}
    assert refused == {name for name, value in given_fields.items() if value != CURRENT[name]}
