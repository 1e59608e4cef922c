"""Opening an application: when the terms allow one, and what a new one records."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.application.domain import opening
from services.application.domain.refusals import Refused
from services.application.domain.stages import DEFAULT_LIMITS
from shared.contracts.actors import Actor, Role
from shared.contracts.applications import Stage

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
USCC = "913716000000000017"
CLERK = Actor(role=Role.window_clerk, id="clerk")


def terms(**policy_changes) -> dict:
    policy = {"id": 7, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
              "status": "published", "redeemable": True, "exclusive_group": "stable_jobs",
              "stage_limits": {"review": 3}, "budget": 1_000_000, "version": 1, **policy_changes}
    return {"policy": policy, "uscc": USCC, "matched": True, "missing": [], "estimated_amount": 20_000.004,
            "profile": {"name": "滨州测试有限公司", "employees": 40}}


def refusal(given: dict) -> Refused:
    with pytest.raises(Refused) as refused:
        opening.check_terms(given)
    return refused.value


def test_a_published_redeemable_matched_policy_may_be_applied_for():
    opening.check_terms(terms())


@pytest.mark.parametrize("status", ["draft", "withdrawn", "expired"])
def test_only_a_published_policy_takes_applications(status):
    refused = refusal(terms(status=status))
    assert (refused.status, refused.details) == (409, {"status": status})
    assert f"policy 7 is {status}" in refused.reason


def test_a_policy_with_nothing_to_redeem_takes_none():
    refused = refusal(terms(redeemable=False))
    assert (refused.status, refused.details) == (409, {"redeemable": False})


def test_an_enterprise_that_does_not_match_is_told_what_it_misses():
    refused = refusal({**terms(), "matched": False, "missing": ["员工人数不少于50人", "纳税信用A级"]})
    assert (refused.status, refused.details) == (409, {"missing": ["员工人数不少于50人", "纳税信用A级"]})
    assert refused.reason.endswith("员工人数不少于50人；纳税信用A级")


def test_the_refusals_of_a_second_application_name_the_first():
    assert opening.already_open(USCC, 7, 12).details == {"application_id": 12}
    rival = opening.exclusive(terms()["policy"], 8, 13)
    assert (rival.status, rival.details) == (409, {"exclusive_group": "stable_jobs", "application_id": 13})
    assert "cannot be combined with policy 8" in rival.reason


def test_an_enterprise_and_a_policy_make_one_open_key():
    assert opening.open_key(USCC, 7) == f"{USCC}:7" != opening.open_key(USCC, 8)


@pytest.mark.parametrize(("proactive", "stage", "action"), [(False, Stage.acceptance, "submit"),
                                                            (True, Stage.confirmation, "create")])
def test_an_offer_waits_for_the_enterprise_and_an_application_for_the_window(proactive, stage, action):
    assert (opening.first_stage(proactive), opening.opening_action(proactive)) == (stage, action)
    assert opening.application(terms(), proactive=proactive, note=None, materials=[], created_by=CLERK,
                               now=NOW)["stage"] == stage.value


def test_a_new_application_records_the_policy_the_form_and_the_estimate_in_fen():
    listed = [{"name": "申请表", "filename": "申请表.pdf", "media_type": "application/pdf", "size": 9,
               "sha256": "0" * 64}]
    values = opening.application(terms(), proactive=False, note="窗口代为提交", materials=listed, created_by=CLERK,
                                 now=NOW)
    assert values["amount"] == Decimal("20000.00")
    assert values["form"] == terms()["profile"] and values["enterprise_name"] == "滨州测试有限公司"
    assert values["material_list"] == listed and values["note"] == "窗口代为提交"
    assert values["stage_limits"] == {**DEFAULT_LIMITS, Stage.review: 3}
    assert values["open_key"] == opening.open_key(USCC, 7) and values["returned_from"] is None
    # who opened it is recorded as the gateway named them
    assert (values["created_by"], values["created_at"], values["updated_at"]) == (
        {"role": "window_clerk", "id": "clerk"}, NOW, NOW)


def test_without_an_estimate_the_amount_waits_for_the_reviewer():
    assert opening.application({**terms(), "estimated_amount": None}, proactive=False, note=None, materials=[],
                               created_by=CLERK, now=NOW)["amount"] is None
