"""The inbox on SQLite and PostgreSQL: a match is pushed once per policy ever, while an
application's notices give the latest word on a policy, written anew (newest, unread) when it
repeats (an offer made again after it was withdrawn)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from services.notification import inbox
from services.notification.models import metadata
from shared.contracts.events import ApplicationChanged, MatchesChanged

USCC = "913716000000000025"
POLICY = 41
START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.fixture
def engine(service_engine):
    return service_engine("notification", metadata)


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
            inbox.deliver_matches(session, event, START + timedelta(minutes=minutes))
    assert [item["kind"] for item in read(engine)] == ["policy_matched"]
