"""Proactive redemption (免申即享): the platform opens an application on an enterprise's behalf.

When an enterprise comes to match a published proactive policy, the platform offers it the policy with the
amount the formula gives, in `confirmation`; an enterprise whose data do not suffice for the amount applies as
usual. An offer still waiting for confirmation is withdrawn once the enterprise no longer matches (its data
changed, or the policy was withdrawn); a confirmed one is the staff's to decide from then on. The events of
one matching come in order: a pair unmatched and then matched again ends with an offer.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.contracts.events import MatchesChanged

WITHDRAWN_COMMENT = "企业已不再匹配该政策（条件变化或政策停止），免申即享要约撤回"

Pair = tuple[int, str]   # (policy id, uscc)


def named_policies(events: Iterable[MatchesChanged]) -> set[int]:
    """The policies the events find matched: the ones to know whether they are proactive."""
    return {policy_id for event in events for policy_id in event.matched}


def proactive_matches(event: MatchesChanged, proactive: frozenset[int]) -> list[tuple[int, list[str]]]:
    """(policy id, usccs) of the event's matches of proactive policies: the enterprises to offer them to."""
    return [(policy_id, usccs) for policy_id, usccs in event.matched.items() if policy_id in proactive]


def offers(terms: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The terms (from the policy service) to open an offer for: matched, and with an amount to offer."""
    return [one for one in terms if one["estimated_amount"] is not None and one["matched"]]


def unmatched(event: MatchesChanged) -> list[Pair]:
    """The event's pairs that no longer match: their offers may have lapsed."""
    return [(policy_id, uscc) for policy_id, usccs in event.unmatched.items() for uscc in usccs]


def by_policy(pairs: Iterable[Pair]) -> dict[int, list[str]]:
    """The usccs of `pairs` by policy, to ask the policy service once per policy, not once per pair."""
    grouped: dict[int, list[str]] = {}
    for policy_id, uscc in pairs:
        grouped.setdefault(policy_id, []).append(uscc)
    return grouped


def lapsed(waiting: Mapping[Pair, int], terms_now: Iterable[Mapping[str, Any]]) -> dict[Pair, int]:
    """Of the offers `waiting` for confirmation (pair -> application id), those whose enterprise does not match
    by the terms the policy service gives now: an event may come late, or after the pair matched again."""
    return {pair: waiting[pair] for pair in ((terms["policy"]["id"], terms["uscc"]) for terms in terms_now
                                             if not terms["matched"]) if pair in waiting}


def withdrawals(events: Iterable[MatchesChanged], lapsed_offers: Mapping[Pair, int]) -> dict[str, list[int]]:
    """Event id -> the lapsed offers its unmatched pairs name, in the event's order."""
    return {event.event_id: [lapsed_offers[pair] for pair in unmatched(event) if pair in lapsed_offers]
            for event in events}
