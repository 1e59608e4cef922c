import json

import pytest

from services.application.domain.stages import (
    DEFAULT_LIMITS,
    TERMINAL,
    Refused,
    Transition,
    allowed_actions,
    decide,
    limits_for,
    who_acts,
)
from shared.contracts.applications import ApplicationAction, Stage

# Every actor the platform knows, with the scope flags that matter: (role, owns_policy, is_applicant).
ADMIN = ("city_admin", False, False)
DEPT = ("department_staff", True, False)
OTHER_DEPT = ("department_staff", False, False)
COUNTY = ("county_staff", True, False)
OTHER_COUNTY = ("county_staff", False, False)
CLERK = ("window_clerk", False, False)
ASSESSOR = ("assessor", False, False)
COUNSELLOR = ("counsellor", False, False)
APPLICANT = ("enterprise", False, True)
OTHER_ENTERPRISE = ("enterprise", False, False)
SYSTEM = ("system", False, False)
ACTORS = [ADMIN, DEPT, OTHER_DEPT, COUNTY, OTHER_COUNTY, CLERK, ASSESSOR, COUNSELLOR, APPLICANT, OTHER_ENTERPRISE,
          SYSTEM]
OWNER = [DEPT, COUNTY, ADMIN]

STAGES = ["confirmation", "acceptance", "routing", "review", "public_notice", "objection", "disbursement", "returned",
          "completed", "rejected"]
ACTIONS = ["confirm", "accept", "return", "resubmit", "route", "approve", "reject", "object", "end_notice", "disburse",
           "withdraw"]

# Written from contract section 7 and the brief, by hand: (stage, action) -> (next stage, who may).
# `resubmit` goes back where the application came from: tested with RESUBMIT below.
ALLOWED = {
    ("confirmation", "confirm"): ("acceptance", [APPLICANT]),
    ("confirmation", "withdraw"): ("rejected", [SYSTEM]),
    ("acceptance", "accept"): ("routing", [CLERK, ADMIN]),
    ("acceptance", "return"): ("returned", [CLERK, ADMIN]),
    ("routing", "route"): ("review", [CLERK, SYSTEM, ADMIN]),
    ("review", "approve"): ("public_notice", OWNER),
    ("review", "reject"): ("rejected", OWNER),
    ("review", "return"): ("returned", OWNER),
    ("public_notice", "object"): ("objection", [OTHER_ENTERPRISE, COUNSELLOR, ASSESSOR, CLERK, ADMIN]),
    ("public_notice", "end_notice"): ("disbursement", [SYSTEM]),
    ("objection", "approve"): ("public_notice", OWNER),
    ("objection", "reject"): ("rejected", OWNER),
    ("disbursement", "disburse"): ("completed", OWNER),
    ("returned", "resubmit"): (None, [APPLICANT]),
}
RESUBMIT = {"acceptance": "acceptance", "review": "review"}


def act(stage, action, actor, returned_from=None):
    role, owns_policy, is_applicant = actor
    return decide(stage, action, role=role, owns_policy=owns_policy, is_applicant=is_applicant,
                  returned_from=returned_from)


def refusal(stage, action, actor, returned_from=None) -> Refused:
    with pytest.raises(Refused) as refused:
        act(stage, action, actor, returned_from)
    return refused.value


def test_the_tables_cover_every_stage_and_action():
    assert [stage.value for stage in Stage] == STAGES
    assert [action.value for action in ApplicationAction] == ACTIONS
    assert TERMINAL == {"completed", "rejected"}


@pytest.mark.parametrize(("stage", "action", "actor"), [
    (stage, action, actor) for (stage, action), (_, actors) in ALLOWED.items() for actor in actors
    if action != "resubmit"
])
def test_every_allowed_transition(stage, action, actor):
    transition = act(stage, action, actor)
    assert transition.next_stage == ALLOWED[(stage, action)][0]
    assert (transition.stage, transition.action) == (stage, action)
    assert transition.returned_from == (stage if action == "return" else None)
    assert transition.resumes_clock is False


@pytest.mark.parametrize("returned_from", sorted(RESUBMIT))
def test_resubmit_goes_back_to_the_stage_it_was_returned_from_and_resumes_its_clock(returned_from):
    transition = act("returned", "resubmit", APPLICANT, returned_from=returned_from)
    assert transition == Transition(Stage.returned, ApplicationAction.resubmit, Stage(RESUBMIT[returned_from]),
                                    returned_from=None, resumes_clock=True)


@pytest.mark.parametrize(("stage", "action"), [
    (stage, action) for stage in STAGES for action in ACTIONS if (stage, action) not in ALLOWED
])
def test_an_action_the_stage_does_not_allow_is_409_whoever_asks(stage, action):
    allowed_here = [a for (s, a) in ALLOWED if s == stage]
    for actor in ACTORS:
        refused = refusal(stage, action, actor, returned_from="acceptance")
        assert refused.status == 409, actor
        assert stage in refused.reason
        for allowed in allowed_here:
            assert allowed in refused.reason


@pytest.mark.parametrize(("stage", "action", "actor"), [
    (stage, action, actor) for (stage, action), (_, actors) in ALLOWED.items() for actor in ACTORS
    if actor not in actors
])
def test_an_actor_who_may_not_is_403_naming_the_role_and_who_may(stage, action, actor):
    refused = refusal(stage, action, actor, returned_from="acceptance")
    assert refused.status == 403
    assert actor[0] in refused.reason
    assert any(who[0] in refused.reason for who in ALLOWED[(stage, action)][1])
    assert str(refused) == refused.reason


def test_the_refusal_says_when_scope_is_the_reason():
    assert "another department" in refusal("review", "approve", OTHER_DEPT).reason
    assert "not the applying enterprise" in refusal("confirmation", "confirm", OTHER_ENTERPRISE).reason
    assert "the applying enterprise" in refusal("public_notice", "object", APPLICANT).reason


@pytest.mark.parametrize("stage", ["completed", "rejected"])
def test_terminal_stages_refuse_everything_and_offer_nothing(stage):
    for action in ACTIONS:
        for actor in ACTORS:
            refused = refusal(stage, action, actor)
            assert refused.status == 409 and "terminal" in refused.reason
    for role, owns_policy, is_applicant in ACTORS:
        assert allowed_actions(stage, role, owns_policy=owns_policy, is_applicant=is_applicant) == []


def test_an_unknown_action_is_409_and_an_unknown_role_403():
    refused = refusal("acceptance", "teleport", CLERK)
    assert refused.status == 409 and "teleport" in refused.reason and "accept" in refused.reason
    refused = refusal("acceptance", "accept", ("mayor", False, False))
    assert refused.status == 403 and "mayor" in refused.reason and "window_clerk" in refused.reason


def test_an_unknown_stage_is_the_callers_bug():
    with pytest.raises(ValueError, match="unknown stage"):
        act("limbo", "accept", CLERK)


@pytest.mark.parametrize("returned_from", [None, "routing", "public_notice", "returned", "nowhere"])
def test_resubmit_without_a_stage_it_could_have_come_from_is_the_callers_bug(returned_from):
    with pytest.raises(ValueError, match="resubmit"):
        act("returned", "resubmit", APPLICANT, returned_from=returned_from)


def test_a_wrong_role_is_refused_before_a_missing_returned_from_is_noticed():
    assert refusal("returned", "resubmit", CLERK).status == 403


def walk(stage, *steps):
    """Take each (action, actor[, returned_from]) in turn; the stages passed through."""
    passed = [stage]
    for step in steps:
        transition = act(passed[-1], *step)
        passed.append(transition.next_stage)
    return passed


def test_the_proactive_path_from_confirmation_to_completion():
    assert walk("confirmation", ("confirm", APPLICANT), ("accept", CLERK), ("route", SYSTEM), ("approve", DEPT),
                ("end_notice", SYSTEM), ("disburse", DEPT)) == [
        "confirmation", "acceptance", "routing", "review", "public_notice", "disbursement", "completed"]


def test_only_the_platform_withdraws_its_offer_and_only_before_the_enterprise_confirms():
    assert walk("confirmation", ("withdraw", SYSTEM)) == ["confirmation", "rejected"]
    assert refusal("confirmation", "withdraw", APPLICANT).status == 403
    assert refusal("acceptance", "withdraw", SYSTEM).status == 409   # confirmed: staff decide from here


def test_a_county_level_policy_goes_through_its_county_staff():
    assert walk("review", ("approve", COUNTY), ("end_notice", SYSTEM), ("disburse", COUNTY))[-1] == "completed"


def test_returned_at_acceptance_and_resubmitted_goes_back_to_acceptance():
    returned = act("acceptance", "return", CLERK)
    assert (returned.next_stage, returned.returned_from) == ("returned", "acceptance")
    assert act("returned", "resubmit", APPLICANT, returned.returned_from).next_stage == "acceptance"


def test_returned_at_review_and_resubmitted_goes_back_to_review_not_to_the_window():
    returned = act("review", "return", DEPT)
    assert (returned.next_stage, returned.returned_from) == ("returned", "review")
    assert act("returned", "resubmit", APPLICANT, returned.returned_from).next_stage == "review"


def test_an_objection_dismissed_reopens_the_notice_which_can_then_end():
    assert walk("public_notice", ("object", OTHER_ENTERPRISE), ("approve", DEPT), ("object", COUNSELLOR),
                ("approve", ADMIN), ("end_notice", SYSTEM)) == [
        "public_notice", "objection", "public_notice", "objection", "public_notice", "disbursement"]


def test_an_objection_upheld_rejects_the_application():
    assert walk("public_notice", ("object", ASSESSOR), ("reject", COUNTY)) == [
        "public_notice", "objection", "rejected"]


def test_during_an_objection_no_second_objection_and_no_end_of_notice():
    assert refusal("objection", "object", OTHER_ENTERPRISE).status == 409
    assert refusal("objection", "end_notice", SYSTEM).status == 409


def test_actions_and_stages_are_strings_and_take_strings():
    transition = decide(Stage.acceptance, ApplicationAction.return_, role="window_clerk")
    assert transition.action == "return" and isinstance(transition.action, str)
    assert decide("acceptance", "return", role="window_clerk") == transition


# What each actor may do in each stage, by hand: the "who acts next" view.
@pytest.mark.parametrize(("stage", "actor", "actions"), [
    ("confirmation", APPLICANT, ["confirm"]),
    ("confirmation", OTHER_ENTERPRISE, []),
    ("confirmation", ADMIN, []),
    ("confirmation", SYSTEM, ["withdraw"]),
    ("acceptance", CLERK, ["accept", "return"]),
    ("acceptance", ADMIN, ["accept", "return"]),
    ("acceptance", DEPT, []),
    ("routing", SYSTEM, ["route"]),
    ("routing", CLERK, ["route"]),
    ("review", DEPT, ["return", "approve", "reject"]),
    ("review", OTHER_DEPT, []),
    ("review", COUNTY, ["return", "approve", "reject"]),
    ("review", CLERK, []),
    ("public_notice", OTHER_ENTERPRISE, ["object"]),
    ("public_notice", APPLICANT, []),
    ("public_notice", ADMIN, ["object"]),
    ("public_notice", DEPT, []),
    ("public_notice", SYSTEM, ["end_notice"]),
    ("objection", DEPT, ["approve", "reject"]),
    ("objection", OTHER_ENTERPRISE, []),
    ("disbursement", ADMIN, ["disburse"]),
    ("disbursement", OTHER_COUNTY, []),
    ("returned", APPLICANT, ["resubmit"]),
    ("returned", ADMIN, []),
    ("returned", CLERK, []),
])
def test_allowed_actions(stage, actor, actions):
    role, owns_policy, is_applicant = actor
    assert allowed_actions(stage, role, owns_policy=owns_policy, is_applicant=is_applicant) == actions


@pytest.mark.parametrize("stage", STAGES)
def test_allowed_actions_agree_with_decide_for_every_actor(stage):
    for role, owns_policy, is_applicant in ACTORS:
        expected = [action for action in ACTIONS
                    if (stage, action) in ALLOWED and (role, owns_policy, is_applicant) in ALLOWED[(stage, action)][1]]
        assert allowed_actions(stage, role, owns_policy=owns_policy, is_applicant=is_applicant) == expected


def test_an_unknown_role_may_do_nothing():
    assert allowed_actions("acceptance", "mayor") == []


@pytest.mark.parametrize(("stage", "who"), [
    ("confirmation", "enterprise"), ("acceptance", "window_clerk"), ("routing", "window_clerk"),
    ("review", "department_staff"), ("public_notice", "system"), ("objection", "department_staff"),
    ("disbursement", "county_staff"), ("returned", "enterprise"), ("completed", "nobody"), ("rejected", "nobody"),
])
def test_who_acts_says_it_in_chinese_and_english(stage, who):
    description = who_acts(stage)
    assert who in description
    assert any("\u4e00" <= char <= "\u9fff" for char in description)


def test_default_limits():
    assert dict(DEFAULT_LIMITS) == {"acceptance": 1, "routing": 1, "review": 5, "public_notice": 5, "objection": 5,
                                    "disbursement": 10}
    with pytest.raises(TypeError):
        DEFAULT_LIMITS["review"] = 1  # type: ignore[index]


def test_a_policys_stage_limits_override_the_defaults_and_leave_them_alone():
    limits = limits_for({"review": 3, "disbursement": 20})
    assert limits == {"acceptance": 1, "routing": 1, "review": 3, "public_notice": 5, "objection": 5,
                      "disbursement": 20}
    assert DEFAULT_LIMITS["review"] == 5
    assert limits_for({}) == limits_for(None) == dict(DEFAULT_LIMITS)


def test_limits_survive_a_round_trip_through_json():
    assert json.loads(json.dumps(limits_for({"review": 3}))) == limits_for({"review": 3})


@pytest.mark.parametrize("override", [
    {"confirmation": 2}, {"returned": 2}, {"completed": 1}, {"limbo": 1},
    {"review": -1}, {"review": 2.5}, {"review": "3"}, {"review": True}, {"review": None},
])
def test_a_limit_that_cannot_be_is_refused(override):
    with pytest.raises(ValueError):
        limits_for(override)
