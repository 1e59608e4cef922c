"""The evaluation service keeps its facts from the platform's events only, on SQLite and PostgreSQL, over the
real broker: each kind of event lands in its table, a second delivery changes nothing, the bulk lane is heard
like the live one, events arriving out of order give the rows the right order gives, and an event that is
not valid becomes a dead letter instead of being lost."""
from __future__ import annotations

import json

from nameko.testing.services import entrypoint_waiter
from sqlalchemy import select

from services.evaluation.models import (
    applications,
    enterprise_interests,
    enterprises,
    matches,
    notices_delivered,
    notices_read,
    policies,
    policy_interests,
    questions,
    stage_results,
)
from shared import dead_letters
from shared.publisher import Outgoing
from tests.integration.evaluation.world import (
    answered,
    asked,
    days_ago,
    delivered,
    matched,
    moved,
    published,
    read,
    tagged,
    uscc,
    withdrawn,
)

A, B, C = uscc(1), uscc(2), uscc(3)


def rows(engine, table, *order):
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table).order_by(*order))]


def test_a_policy_is_kept_as_its_newest_version_with_when_it_was_in_force(bus, engine):
    start = days_ago(30)
    revised = published(7, at=days_ago(20), version=2, department="hrss", tags_used=("interest.talent", "scale.small"),
                        redeemable=True, title="人才补贴（修订）")
    first = published(7, at=start, tags_used=("interest.financing",))
    bus.send(revised)                      # the revision overtook the publication
    bus.send(first)
    [policy] = rows(engine, policies)
    assert (policy["version"], policy["department"], policy["title"], policy["redeemable"]) == (
        2, "hrss", "人才补贴（修订）", True)
    assert policy["published_at"] == start and policy["ended_at"] is None
    assert [row["tag"] for row in rows(engine, policy_interests)] == ["interest.talent"]
    ended = days_ago(1)
    bus.send(withdrawn(7, at=ended))
    assert rows(engine, policies)[0]["ended_at"] == ended


def test_matches_keep_the_first_and_last_match_and_the_last_unmatch_in_any_order(bus, engine):
    early, middle, late = days_ago(10), days_ago(5), days_ago(1)
    bus.send(matched({1: [A, B]}, at=middle), bulk=True)          # the bulk lane is heard too
    bus.send(matched({}, unmatched={1: [A]}, at=late))
    bus.send(matched({1: [A], 2: [C]}, at=early))                 # comes last, happened first
    found = {(row["policy_id"], row["uscc"]): row for row in rows(engine, matches)}
    assert (found[(1, A)]["first_matched_at"], found[(1, A)]["last_matched_at"]) == (early, middle)
    assert found[(1, A)]["last_unmatched_at"] == late            # unmatched now: after its last match
    assert found[(1, B)]["last_unmatched_at"] is None and found[(2, C)]["first_matched_at"] == early


def test_a_pair_an_event_names_twice_is_one_row(bus, engine):
    # one statement upserts an event's pairs on PostgreSQL, and it may change a row only once
    at = days_ago(3)
    bus.send(matched({1: [A, B, A]}, unmatched={2: [C, C]}, at=at), bulk=True)
    assert [(row["policy_id"], row["uscc"], row["first_matched_at"], row["last_unmatched_at"])
            for row in rows(engine, matches, "policy_id", "uscc")] == [(1, A, at, None), (1, B, at, None),
                                                                       (2, C, None, at)]


def test_the_same_event_twice_has_one_effect(bus, engine, evaluation):
    event = delivered({3: 40, 4: 2}, at=days_ago(2))
    bus.send(event)
    with entrypoint_waiter(evaluation, "on_notification_changed", timeout=10):
        bus.publish([event])
    bus.send(read(91, 3, A, at=days_ago(1)), read(91, 3, A, at=days_ago(1)))
    assert [(row["policy_id"], row["count"]) for row in rows(engine, notices_delivered, "policy_id")] == [(3, 40),
                                                                                                       (4, 2)]
    assert [(row["notification_id"], row["policy_id"]) for row in rows(engine, notices_read)] == [(91, 3)]


def test_interests_follow_each_enterprises_newest_version(bus, engine):
    bus.send(tagged((A, 2, ["interest.export"]), (B, 1, [])), bulk=True)
    bus.send(tagged((A, 1, ["interest.financing", "interest.land"]), (B, 3, ["interest.talent"])))
    assert {(row["uscc"], row["version"]) for row in rows(engine, enterprises)} == {(A, 2), (B, 3)}
    assert [(row["uscc"], row["tag"]) for row in rows(engine, enterprise_interests, "uscc", "tag")] == [
        (A, "interest.export"), (B, "interest.talent")]


def test_applications_keep_their_stage_and_each_stage_left_with_its_due_time(bus, engine):
    submitted, accepted, completed = days_ago(9), days_ago(8), days_ago(1)
    due = days_ago(8.5)
    bus.send(moved(5, 7, A, None, "acceptance", at=submitted, due_at=due, action="submit"),
             moved(5, 7, A, "acceptance", "routing", at=accepted, left_stage_due_at=due),
             moved(5, 7, A, "disbursement", "completed", at=completed, left_stage_due_at=days_ago(0.5),
                   action="disburse"))
    [application] = rows(engine, applications)
    assert (application["stage"], application["submitted_at"], application["completed_at"]) == (
        "completed", submitted, completed)
    left = rows(engine, stage_results, "left_at")
    assert [(row["stage"], row["left_at"] <= row["due_at"]) for row in left] == [("acceptance", False),
                                                                                  ("disbursement", True)]


def test_questions_keep_when_they_were_asked_due_and_answered_in_any_order(bus, engine):
    was_asked, was_answered, due = days_ago(4), days_ago(3), days_ago(2)
    bus.send(answered(12, 7, A, at=was_answered, due_at=due))
    bus.send(asked(12, 7, A, at=was_asked, due_at=due))
    [question] = rows(engine, questions)
    assert (question["asked_at"], question["answered_at"], question["due_at"]) == (was_asked, was_answered, due)


def test_an_invalid_event_is_a_dead_letter_and_the_others_are_kept(bus, engine, evaluation):
    good = published(8, at=days_ago(1))
    bad = json.dumps({"event_id": "bad-1", "matched": {"not-a-number": [A]}})
    with entrypoint_waiter(evaluation, "on_matches_changed", timeout=10):
        assert bus.publisher.publish([Outgoing("huiqi.events", "policy.matches_changed", bad, "bad-1")]) == []
    bus.send(good)
    [letter] = dead_letters.listing(engine)
    assert (letter["queue"], letter["event_id"]) == ("evaluation.matches_changed", "bad-1")
    assert [row["policy_id"] for row in rows(engine, policies)] == [8]
