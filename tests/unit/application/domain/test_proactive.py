"""Proactive redemption: which matches make an offer, which waiting offers lapsed, in the events' order."""
from hypothesis import given
from hypothesis import strategies as st

from services.application.domain import proactive
from shared.contracts.events import MatchesChanged

A, B, C = "913716000000000017", "91371600000000000X", "913716000000000025"


def terms(policy_id: int, uscc: str, *, matched: bool = True, amount: float | None = 20_000.0) -> dict:
    return {"policy": {"id": policy_id}, "uscc": uscc, "matched": matched, "estimated_amount": amount}


def test_the_policies_named_are_those_matched():
    events = [MatchesChanged(matched={1: [A], 2: [B]}, unmatched={3: [C]}), MatchesChanged(matched={2: [C]})]
    assert proactive.named_policies(events) == {1, 2}


def test_only_proactive_policies_are_offered():
    event = MatchesChanged(matched={1: [A, B], 2: [C], 3: [A]})
    assert proactive.proactive_matches(event, frozenset({1, 3, 9})) == [(1, [A, B]), (3, [A])]


def test_an_offer_needs_a_match_and_an_amount_to_offer():
    given_terms = [terms(1, A), terms(1, B, amount=None), terms(1, C, matched=False)]
    assert proactive.offers(given_terms) == [terms(1, A)]


def test_an_offer_lapses_only_when_the_enterprise_does_not_match_now():
    waiting = {(1, A): 10, (1, B): 11, (2, A): 12}
    now = [terms(1, A, matched=False), terms(1, B), terms(2, A, matched=False), terms(3, C, matched=False)]
    # (1, B) matches again by now; (3, C) has no offer waiting
    assert proactive.lapsed(waiting, now) == {(1, A): 10, (2, A): 12}


def test_the_policy_service_is_asked_once_per_policy():
    assert proactive.by_policy([(1, A), (2, B), (1, C)]) == {1: [A, C], 2: [B]}


def test_each_event_withdraws_the_lapsed_offers_of_its_own_unmatched_pairs_in_order():
    first = MatchesChanged(unmatched={1: [B, A]})
    second = MatchesChanged(unmatched={2: [A]}, matched={1: [A]})
    assert proactive.unmatched(first) == [(1, B), (1, A)]
    assert proactive.withdrawals([first, second], {(1, A): 10, (1, B): 11, (2, A): 12}) == {
        first.event_id: [11, 10], second.event_id: [12]}


pairs = st.tuples(st.sampled_from([1, 2, 3]), st.sampled_from([A, B, C]))


@given(st.dictionaries(pairs, st.integers(1, 99)), st.lists(st.tuples(pairs, st.booleans())))
def test_what_lapses_is_waiting_and_unmatched_now(waiting, answers):
    lapsed = proactive.lapsed(waiting, [terms(policy_id, uscc, matched=matched)
                                        for (policy_id, uscc), matched in answers])
    unmatched_now = {pair for pair, matched in answers if not matched}
    assert lapsed == {pair: waiting[pair] for pair in waiting if pair in unmatched_now}
