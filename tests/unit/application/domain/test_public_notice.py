"""Objections to a public notice: one per objector; the public record carries no form."""
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.application.domain import public_notice
from services.application.domain.refusals import Refused
from shared.contracts.actors import Actor

FIRM = {"role": "enterprise", "id": "enterprise-1", "uscc": "913716024JURQ28300"}
SAME_FIRM_OTHER_ACCOUNT = {"role": "enterprise", "id": "enterprise-9", "uscc": "913716024JURQ28300"}
OTHER_FIRM = {"role": "enterprise", "id": "enterprise-2", "uscc": "91371600000000000X"}
COUNSELLOR = {"role": "counsellor", "id": "staff-3"}


def test_an_enterprise_objects_once_whichever_of_its_accounts_asks():
    assert public_notice.objected_before(SAME_FIRM_OTHER_ACCOUNT, [COUNSELLOR, FIRM])
    assert not public_notice.objected_before(OTHER_FIRM, [COUNSELLOR, FIRM])
    assert not public_notice.objected_before(FIRM, [])


def test_staff_object_once_each_by_account():
    assert public_notice.objected_before(COUNSELLOR, [{"role": "counsellor", "id": "staff-3", "department": None}])
    assert not public_notice.objected_before(COUNSELLOR, [{"role": "counsellor", "id": "staff-4"}])
    # an account id never passes for an enterprise's code, nor the other way round
    assert not public_notice.objected_before({"role": "assessor", "id": "staff-3"}, [COUNSELLOR])


actors = st.fixed_dictionaries({"role": st.sampled_from(["enterprise", "counsellor", "assessor", "window_clerk"]),
                                "id": st.sampled_from(["a", "b"]), "uscc": st.sampled_from(["x", "y"])})


@given(actors, st.lists(actors, max_size=5))
def test_objected_before_is_membership_by_objector(actor, earlier):
    assert public_notice.objected_before(actor, earlier) == (
        public_notice.objector(actor) in {public_notice.objector(one) for one in earlier})


def test_the_record_shows_what_a_notice_shows_and_nothing_of_the_file():
    row = {"id": 7, "policy_id": 3, "policy_title": "研发补助", "department": "sci", "enterprise_name": "甲公司",
           "amount": 50_000.0, "stage": "objection", "uscc": "913716024JURQ28300",
           "form": {"annual_revenue": 1e8, "rd_expense": 1e6}, "material_list": [{"filename": "a.pdf"}],
           "note": "内部备注", "created_by": FIRM}
    at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    shown = public_notice.record(row, comment="员工人数存疑", at=at)
    assert shown == {"application_id": 7, "policy_id": 3, "policy_title": "研发补助", "department": "sci",
                     "enterprise_name": "甲公司", "amount": 50_000.0, "status": "objection",
                     "objection": {"comment": "员工人数存疑", "at": at.isoformat()}}


def test_an_objection_says_what_it_objects_to():
    for comment in (None, "", "  \n"):
        with pytest.raises(Refused) as refused:
            public_notice.check_objection(7, Actor.model_validate(OTHER_FIRM), comment, [])
        assert (refused.value.status, refused.value.details) == (
            422, [{"field": "comment", "message": "required for object"}])


def test_an_objector_objects_once_and_the_refusal_names_the_application():
    public_notice.check_objection(7, Actor.model_validate(OTHER_FIRM), "员工人数存疑", [COUNSELLOR])
    with pytest.raises(Refused) as refused:
        public_notice.check_objection(7, Actor.model_validate(SAME_FIRM_OTHER_ACCOUNT), "员工人数存疑",
                                      [COUNSELLOR, FIRM])
    assert (refused.value.status, refused.value.details) == (409, {"application_id": 7})
