"""Gift packs (大礼包): staff bundle published policies under a short code; a QR code points at a
public page listing them, and every visit of that page counts as a scan."""
from __future__ import annotations

from collections.abc import Mapping

from shared.contracts.policies import PolicyStatus
from shared.errors import Invalid


def members(policy_ids: list[int], statuses: Mapping[int, str]) -> list[int]:
    """The pack's policies, in the order given without repeats, or Invalid (422) naming each one that
    does not exist or is not published (`statuses`: policy id -> status of those that exist)."""
    ordered = list(dict.fromkeys(policy_ids))
    problems = [{"field": f"policy_ids.{position}", "message": f"no policy {policy_id}"
                 if policy_id not in statuses else f"policy {policy_id} is {statuses[policy_id]}, not published"}
                for position, policy_id in enumerate(ordered) if statuses.get(policy_id) != PolicyStatus.published]
    if problems:
        raise Invalid("a gift pack holds published policies only", problems)
    return ordered
