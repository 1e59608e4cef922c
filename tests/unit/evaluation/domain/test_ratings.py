import pytest

from services.evaluation.domain.ratings import (
    MAX_COMMENT,
    RatingInput,
    check_application,
    check_input,
    check_push,
    check_rater,
    opens_follow_up,
)
from shared.contracts.actors import Actor
from shared.contracts.evaluation import RatingSubject
from shared.errors import Conflict, Forbidden, Invalid

USCC = "91371600MA3C000001"


def test_a_push_rating_names_its_policy():
    assert check_input("push", policy_id=3, stars=2, comment="  推送太晚  ") == RatingInput(
        RatingSubject.push, 3, None, 2, "推送太晚")
    assert check_input("application", application_id=8, stars=5, comment="  ") == RatingInput(
        RatingSubject.application, None, 8, 5, None)


@pytest.mark.parametrize(("given", "field"), [
    ({"subject": "policy", "policy_id": 3}, "subject"),
    ({"subject": "push"}, "policy_id"),
    ({"subject": "push", "policy_id": 0}, "policy_id"),
    ({"subject": "push", "policy_id": "3"}, "policy_id"),
    ({"subject": "push", "policy_id": 3, "application_id": 8}, "application_id"),
    ({"subject": "application", "policy_id": 3}, "application_id"),
    ({"subject": "application", "application_id": 8, "policy_id": 3}, "policy_id"),
    ({"subject": "push", "policy_id": 3, "stars": 0}, "stars"),
    ({"subject": "push", "policy_id": 3, "stars": 6}, "stars"),
    ({"subject": "push", "policy_id": 3, "stars": 4.5}, "stars"),
    ({"subject": "push", "policy_id": 3, "stars": True}, "stars"),
    ({"subject": "push", "policy_id": 3, "comment": "x" * (MAX_COMMENT + 1)}, "comment"),
    ({"subject": "push", "policy_id": 3, "comment": 5}, "comment"),
])
def test_a_broken_rating_names_the_field(given, field):
    with pytest.raises(Invalid) as raised:
        check_input(**{"stars": 4, **given})
    assert raised.value.details[0]["field"] == field
    assert raised.value.message.startswith(field)


@pytest.mark.parametrize("actor", [Actor(role="city_admin", id="1"), Actor(role="counsellor", id="2"),
                                   Actor(role="enterprise", id="3")])
def test_only_an_enterprise_rates_for_itself(actor):
    with pytest.raises(Forbidden):
        check_rater(actor)
    assert check_rater(Actor(role="enterprise", id="e", uscc=USCC)) == USCC


def test_a_push_is_rated_only_when_received():
    check_push(3, received=True)
    with pytest.raises(Conflict, match="received no push of policy 3"):
        check_push(3, received=False)


@pytest.mark.parametrize("stage", ["completed", "rejected"])
def test_an_own_finished_application_is_rateable(stage):
    check_application(USCC, 8, applicant=USCC, stage=stage)


def test_another_enterprises_application_is_forbidden_whatever_its_stage():
    with pytest.raises(Forbidden, match="another enterprise's"):
        check_application(USCC, 8, applicant="91371600MA3C000002", stage="review")


@pytest.mark.parametrize("stage", ["confirmation", "acceptance", "review", "returned", "disbursement"])
def test_an_unfinished_application_is_a_conflict(stage):
    with pytest.raises(Conflict, match=f"at {stage}") as raised:
        check_application(USCC, 8, applicant=USCC, stage=stage)
    assert raised.value.details["reason"] == "not_finished"


@pytest.mark.parametrize(("stars", "open_already", "opens"), [
    (1, False, True), (2, False, True), (3, False, False), (5, False, False),
    (1, True, False),   # a replacement low rating keeps the one open
    (4, True, False),
])
def test_a_low_rating_opens_one_follow_up(stars, open_already, opens):
    assert opens_follow_up(stars, open_already) is opens
