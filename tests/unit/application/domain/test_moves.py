"""What an action writes: its steps (with the hall's own routing), the fields after, and its events."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from services.application.domain import moves
from services.application.domain.moves import ROUTING_COMMENT, SYSTEM, Step
from services.application.domain.refusals import Refused
from services.application.domain.stages import decide
from shared.contracts.actors import Actor, Role
from shared.contracts.applications import Stage

CLERK = Actor(role=Role.window_clerk, id="clerk")
REVIEWER = Actor(role=Role.department_staff, id="reviewer", department="finance")
USCC = "913716000000000017"
ENTERPRISE = Actor(role=Role.enterprise, id="owner", uscc=USCC)


def application(stage: str, *, department: str = "finance", level: str = "city", county: str | None = None):
    """An application's row, as far as deciding a move reads it."""
    return SimpleNamespace(stage=stage, returned_from=None, uscc=USCC, department=department, level=level,
                           county=county)


def test_an_acceptance_is_routed_at_once_by_the_platform():
    steps = moves.steps(decide(Stage.acceptance, "accept", role="window_clerk"), CLERK, "材料齐全", None)
    assert steps == [Step("accept", Stage.acceptance, Stage.routing, CLERK, "材料齐全"),
                     Step("route", Stage.routing, Stage.review, SYSTEM, ROUTING_COMMENT)]


def test_an_approval_carries_its_amount_and_no_other_step_does():
    approve = decide(Stage.review, "approve", role="department_staff", owns_policy=True)
    assert moves.steps(approve, REVIEWER, None, Decimal("15000.00")) == [
        Step("approve", Stage.review, Stage.public_notice, REVIEWER, None, Decimal("15000.00"))]
    give_back = decide(Stage.review, "return", role="department_staff", owns_policy=True)
    assert moves.steps(give_back, REVIEWER, "缺社保证明", Decimal("15000.00"))[0].amount is None


def test_a_resubmission_to_the_window_is_routed_again_but_one_to_the_department_is_not():
    to_window = decide(Stage.returned, "resubmit", role="enterprise", is_applicant=True, returned_from="acceptance")
    assert [step.action for step in moves.steps(to_window, ENTERPRISE, None, None)] == ["resubmit"]
    to_review = decide(Stage.returned, "resubmit", role="enterprise", is_applicant=True, returned_from="review")
    assert [step.to_stage for step in moves.steps(to_review, ENTERPRISE, None, None)] == [Stage.review]


def test_a_refused_transition_names_the_stage_and_the_action():
    with pytest.raises(Refused) as refused:
        moves.transition(application("review", department="hrss"), "approve", REVIEWER)
    assert (refused.value.status, refused.value.details) == (403, {"stage": "review", "action": "approve"})
    with pytest.raises(Refused) as refused:
        moves.transition(application("completed"), "approve", REVIEWER)
    assert (refused.value.status, refused.value.details) == (409, {"stage": "completed", "action": "approve"})


def test_staff_decide_the_applications_of_their_own_department_or_county():
    assert moves.transition(application("review"), "approve", REVIEWER).next_stage == Stage.public_notice
    county = Actor(role=Role.county_staff, id="county", county="371625")
    mine = application("review", department="hrss", level="county", county="371625")
    assert moves.transition(mine, "approve", county).next_stage == Stage.public_notice
    with pytest.raises(Refused):
        moves.transition(application("review", level="city", county="371625"), "approve", county)


def test_the_applicant_is_the_enterprise_whose_code_the_application_bears():
    assert moves.transition(application("confirmation"), "confirm", ENTERPRISE).next_stage == Stage.acceptance
    with pytest.raises(Refused) as refused:
        moves.transition(application("confirmation"), "confirm",
                         ENTERPRISE.model_copy(update={"uscc": "91371600000000000X"}))
    assert refused.value.status == 403


def test_materials_come_with_a_resubmission_only():
    moves.check_materials_allowed("resubmit")
    with pytest.raises(Refused) as refused:
        moves.check_materials_allowed("accept")
    assert (refused.value.status, refused.value.details) == (
        422, [{"field": "materials", "message": "only with action resubmit"}])


@pytest.mark.parametrize(("stage", "final", "returned_from", "open_key", "releases"), [
    (Stage.review, Stage.returned, "review", "k", False),      # a return remembers where it came from
    (Stage.review, Stage.rejected, None, None, True),          # a rejection frees the pair and the group
    (Stage.review, Stage.public_notice, None, "k", False),
    (Stage.returned, Stage.acceptance, None, "k", False),      # back again: nothing left to remember
])
def test_the_fields_after_a_move(stage, final, returned_from, open_key, releases):
    assert moves.settled(stage, final, "k") == {"stage": final.value, "returned_from": returned_from,
                                                "open_key": open_key}
    assert moves.releases_claim(final) is releases


def test_each_step_announces_itself_with_the_application_as_it_stands():
    application = {"id": 3, "policy_id": 7, "policy_title": "稳岗补贴", "uscc": USCC, "amount": Decimal("15000.00"),
                   "proactive": True, "department": "finance"}
    at = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    routing_due, review_due = at + timedelta(hours=14), at + timedelta(days=7, hours=14)
    event = moves.changed(application, Step("route", Stage.routing, Stage.review, SYSTEM, ROUTING_COMMENT), at=at,
                          due_at=review_due, left_stage_due_at=routing_due)
    assert (event.application_id, event.action, event.from_stage, event.to_stage, event.actor_role) == (
        3, "route", "routing", "review", "system")
    assert event.amount == Decimal("15000.00") and event.proactive
    assert (event.department, event.occurred_at, event.due_at, event.left_stage_due_at) == (
        "finance", at, review_due, routing_due)
    opened = moves.changed(application, Step("create", None, Stage.confirmation, SYSTEM), at=at, due_at=None)
    assert (opened.from_stage, opened.published_key()) == (None, "application.changed.confirmation")
    assert opened.due_at is None and opened.left_stage_due_at is None


def test_a_public_notice_ending_is_late_by_no_one():
    """It runs its fixed length and ends after its due time: no one answers for it, so its due time is not told."""
    application = {"id": 3, "policy_id": 7, "policy_title": "稳岗补贴", "uscc": USCC, "amount": Decimal("15000.00"),
                   "proactive": False, "department": "finance"}
    ended_at = datetime(2026, 12, 5, 16, 0, 1, tzinfo=UTC)
    ended = moves.changed(application, Step("end_notice", Stage.public_notice, Stage.disbursement, SYSTEM),
                          at=ended_at, due_at=ended_at + timedelta(days=14),
                          left_stage_due_at=ended_at - timedelta(seconds=2))
    assert ended.left_stage_due_at is None and ended.due_at == ended_at + timedelta(days=14)
