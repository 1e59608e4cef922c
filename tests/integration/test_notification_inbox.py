"""The inbox on SQLite and PostgreSQL: a match is pushed once per policy ever, while an
application's notices give the latest word on a policy, written anew (newest, unread) when it
repeats (an offer made again after it was withdrawn); a round's questionnaire is in it once per
round. What it tells the evaluation service: pushes created per policy, a notice's first reading."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from services.notification import inbox
from shared.contracts.events import ApplicationChanged, MatchesChanged, SurveyOpened

USCC = "913716000000000025"
POLICY = 41
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.fixture
def engine(service_engine):
    return service_engine("notification")


def move(action: str, to_stage: str, amount: float | None = 40_000.0) -> ApplicationChanged:
    return ApplicationChanged(application_id=7, policy_id=POLICY, policy_title="稳岗补贴", uscc=USCC, action=action,
                              from_stage=None, to_stage=to_stage, amount=amount, proactive=True,
                              actor_role="system")


def deliver(engine, events: list[ApplicationChanged], minutes: int) -> int:
    with Session(engine) as session, session.begin():
        return inbox.deliver_application_changes(session, events, START + timedelta(minutes=minutes))


def read(engine) -> list[dict]:
    with Session(engine) as session:
        return inbox.inbox(session, USCC, limit=50, offset=0)["items"]


def test_an_offer_made_again_after_its_withdrawal_is_new_and_unread_again(engine):
    assert deliver(engine, [move("create", "confirmation")], 0) == 1
    first = read(engine)[0]
    with Session(engine) as session, session.begin():
        inbox.mark_read(session, USCC, first["id"], START + timedelta(minutes=1))
    assert deliver(engine, [move("withdraw", "rejected", None)], 2) == 1
    assert deliver(engine, [move("create", "confirmation", 35_000.0)], 3) == 1

    items = read(engine)
    assert [item["kind"] for item in items] == ["proactive_offer", "proactive_offer_withdrawn"]   # newest first
    offer = items[0]
    assert offer["id"] > items[1]["id"] > first["id"], "written anew, in the order of the moves"
    assert offer["read_at"] is None and "35,000.00" in offer["title"]
    assert datetime.fromisoformat(offer["created_at"]) == START + timedelta(minutes=3)
    assert "撤回" in items[1]["title"]


def test_an_offer_withdrawn_and_made_again_in_one_batch_ends_newest(engine):
    deliver(engine, [move("create", "confirmation"), move("withdraw", "rejected", None),
                     move("create", "confirmation", 35_000.0)], 0)
    assert [item["kind"] for item in read(engine)] == ["proactive_offer", "proactive_offer_withdrawn"]


def test_repeats_within_one_batch_keep_the_last(engine):
    assert deliver(engine, [move("create", "confirmation", 1.0), move("create", "confirmation", 2.0)], 0) == 1
    assert [item["title"] for item in read(engine)] == ["免申即享：稳岗补贴，预计可获 2.00 元，请确认"]


def test_a_withdrawal_is_not_told_as_a_rejection_and_moves_that_tell_nothing_are_skipped(engine):
    assert deliver(engine, [move("accept", "routing"), move("withdraw", "rejected", None)], 0) == 1
    assert [item["kind"] for item in read(engine)] == ["proactive_offer_withdrawn"]


def test_a_match_is_still_pushed_only_once_per_policy(engine):
    event = MatchesChanged(matched={POLICY: [USCC]}, titles={POLICY: "稳岗补贴"})
    for minutes in (0, 5):
        with Session(engine) as session, session.begin():
            inbox.deliver_matches(session, [event], START + timedelta(minutes=minutes))
    assert [item["kind"] for item in read(engine)] == ["policy_matched"]


def push(engine, *events: MatchesChanged, minutes: int = 0):
    with Session(engine) as session, session.begin():
        return inbox.deliver_matches(session, list(events), START + timedelta(minutes=minutes))


def test_pushes_are_counted_per_policy_only_where_they_are_new(engine):
    other = "913716000000000033"
    assert push(engine, MatchesChanged(matched={POLICY: [USCC, other], 42: [USCC]})) == {POLICY: 2, 42: 1}
    # a match lost and found again, beside new ones: only the new are counted, in one batch of two events
    created = push(engine, MatchesChanged(matched={POLICY: [USCC], 43: [USCC, other]}),
                   MatchesChanged(matched={42: [USCC, other], 43: [other]}), minutes=1)
    assert created == {43: 2, 42: 1}
    assert push(engine, MatchesChanged(matched={POLICY: [USCC]}), minutes=2) == {}
    with Session(engine) as session:
        assert inbox.count(session) == 6
    event = inbox.delivered(created, START)
    assert (event.kind, event.counts, event.routing_key) == ("policy_matched", {43: 2, 42: 1}, "notification.delivered")


def invite(engine, event: SurveyOpened) -> int:
    with Session(engine) as session, session.begin():
        return inbox.deliver_survey(session, event, START)


def test_a_questionnaire_is_in_the_inbox_once_per_round_beside_a_policy_of_the_same_number(engine):
    push(engine, MatchesChanged(matched={POLICY: [USCC]}, titles={POLICY: "稳岗补贴"}))
    round_ = SurveyOpened(evaluation_id=POLICY, title="2026年下半年惠企政策落实三评", usccs=[USCC, USCC])
    assert invite(engine, round_) == 1
    assert invite(engine, SurveyOpened(evaluation_id=POLICY, title="重发", usccs=[USCC])) == 0
    [survey, matched] = read(engine)
    assert (survey["kind"], survey["evaluation_id"], survey["policy_id"], survey["title"]) == (
        "survey", POLICY, None, "「2026年下半年惠企政策落实三评」问卷邀请")
    assert (matched["kind"], matched["policy_id"], matched["evaluation_id"]) == ("policy_matched", POLICY, None)


def test_a_notice_read_is_told_the_first_time_only(engine):
    invite(engine, SurveyOpened(evaluation_id=3, title="三评", usccs=[USCC]))
    [notice] = read(engine)
    with Session(engine) as session, session.begin():
        shown, first = inbox.mark_read(session, USCC, notice["id"], START + timedelta(minutes=1))
    assert shown["read_at"] == (START + timedelta(minutes=1)).isoformat()
    assert (first.notification_id, first.uscc, first.kind, first.evaluation_id, first.policy_id, first.read_at) == (
        notice["id"], USCC, "survey", 3, None, START + timedelta(minutes=1))
    assert first.occurred_at == first.read_at
    with Session(engine) as session, session.begin():
        again, second = inbox.mark_read(session, USCC, notice["id"], START + timedelta(minutes=2))
    assert again == shown and second is None
