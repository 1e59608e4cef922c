"""The accounts' rules: ids, tokens, which role each kind of account has, what is shown of one."""
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.accounts.domain.accounts import (
    KINDS,
    TOKEN_PREFIX,
    account_id,
    holder,
    new_token,
    parse_account_id,
    role_of,
    shown,
)
from shared.contracts.accounts import AccountChanged, token_digest

CREATED = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
ROW = {"id": 7, "kind": "staff", "name": "窗口", "role": "department_staff", "department": "finance", "county": None,
       "uscc": None, "source": None, "token_digest": "d" * 64, "created_at": CREATED, "created_by": "city-admin",
       "disabled_at": None, "disabled_by": None}


def test_tokens_are_long_random_and_recognisable():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(token.startswith(TOKEN_PREFIX) and len(token) >= 40 for token in tokens)
    assert len(token_digest(next(iter(tokens)))) == 64


@given(st.sampled_from(KINDS), st.integers(min_value=1, max_value=10**18 - 1))
def test_an_id_reads_back_as_its_kind_and_number_and_is_what_a_broadcast_names(kind, number):
    made = account_id(kind, number)
    assert parse_account_id(made) == (kind, number)
    assert AccountChanged(account_id=made, change="disabled").account_id == made


@pytest.mark.parametrize("text", ["staff-0", "staff-007", "robot-1", "staff-", "staff-1 ", "Staff-1", "1", ""])
def test_anything_else_is_no_account_id(text):
    assert parse_account_id(text) is None


def test_enterprise_and_system_accounts_have_their_kinds_role_and_staff_a_staff_role():
    assert role_of("enterprise", None) == role_of("enterprise", "enterprise") == "enterprise"
    assert role_of("system", None) == "system"
    assert role_of("staff", "window_clerk") == "window_clerk"
    for kind, role in (("staff", None), ("staff", "enterprise"), ("staff", "system"), ("enterprise", "assessor"),
                       ("system", "enterprise"), ("robot", "assessor")):
        with pytest.raises(ValueError):
            role_of(kind, role)


def test_what_is_shown_of_an_account_never_holds_its_token_and_leaves_out_empty_scope():
    assert shown(ROW) == {"id": "staff-7", "name": "窗口", "role": "department_staff", "department": "finance",
                          "created_at": "2026-11-27T01:30:00+00:00", "created_by": "city-admin", "disabled_at": None}
    disabled = shown({**ROW, "disabled_at": CREATED, "disabled_by": "city-admin"})
    assert disabled["disabled_at"] == "2026-11-27T01:30:00+00:00" and "disabled_by" not in disabled


def test_a_token_holder_is_the_accounts_role_id_scope_and_name():
    assert holder({**ROW, "kind": "system", "role": "system", "department": None, "source": "tax"}) == {
        "id": "system-7", "role": "system", "name": "窗口", "department": None, "county": None, "uscc": None,
        "source": "tax"}


def test_a_staff_accounts_phone_and_email_are_checked_shown_and_told_to_the_notification_service():
    from services.accounts.domain.accounts import contact_problems, staff_changed

    assert contact_problems("staff", "13812345678", "audit@finance.example.gov.cn") == []
    assert [problem["field"] for problem in contact_problems("staff", "12345", "not-an-address")] == ["phone", "email"]
    assert [problem["field"] for problem in contact_problems("enterprise", "13812345678", None)] == ["phone"]
    row = {**ROW, "phone": "13812345678", "email": "audit@finance.example.gov.cn", "team_id": None}
    assert shown(row)["phone"] == "13812345678" and holder(row)["email"] == "audit@finance.example.gov.cn"
    told = staff_changed(row)
    assert (told.account_id, told.role, told.department, told.phone, told.active) == \
        ("staff-7", "department_staff", "finance", "13812345678", True)
    assert staff_changed({**row, "disabled_at": CREATED}).active is False
    assert staff_changed({**row, "kind": "enterprise"}) is None
