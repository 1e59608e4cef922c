"""Who matches what, and what a change of matches tells the platform.

An enterprise matches the live policies whose rule holds for its facts and tags, and nothing
while it is not active. The changes one decision makes go out as one `MatchesChanged`: per
policy, the enterprises gained and lost, in code order, with the versions they were decided on."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

from shared import eligibility
from shared.contracts.events import EnterpriseSnapshot, MatchesChanged
from shared.contracts.gov import Status

Pair = tuple[str, int]   # (uscc, policy id)
PolicyMeta = tuple[str, int]   # a live policy's (title, version)


def matching_policies(snapshot: EnterpriseSnapshot, index: eligibility.PolicyIndex[int]) -> set[int]:
    """The live policies (of `index`) the enterprise matches."""
    if snapshot.status != Status.active:
        return set()
    return index.matching(snapshot.facts, snapshot.tags)


def matches_changed(gained: Collection[Pair], lost: Collection[Pair], policies: Mapping[int, PolicyMeta],
                    profile_versions: Mapping[str, int]) -> MatchesChanged:
    """The event for matches gained and lost; `policies` holds every policy gained."""
    matched, unmatched = defaultdict(list), defaultdict(list)
    for uscc, policy_id in sorted(gained):
        matched[policy_id].append(uscc)
    for uscc, policy_id in sorted(lost):
        unmatched[policy_id].append(uscc)
    # built from the service's own ids and codes, of the right types: validating a bulk sync's tens of
    # thousands of pairs again cost more than building them
    return MatchesChanged.model_construct(
        matched=dict(matched), unmatched=dict(unmatched),
        titles={policy_id: policies[policy_id][0] for policy_id in matched},
        policy_versions={policy_id: policies[policy_id][1] for policy_id in matched},
        profile_versions={uscc: profile_versions[uscc] for uscc, _ in gained})
