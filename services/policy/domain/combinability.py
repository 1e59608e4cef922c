"""Which of an enterprise's matched policies can be redeemed together (contract section 6):
policies in one `exclusive_group` cannot, so each names the others of its group it excludes."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any


def combinability(items: list[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """policy id -> `combinable` and `not_combinable_with` (the other policies of its group among
    `items`, in their order) for each of `items` (by `policy_id`) that has an `exclusive_group`;
    a policy alone in its group here is combinable."""
    groups: dict[str, list[int]] = defaultdict(list)
    for item in items:
        if item.get("exclusive_group"):
            groups[item["exclusive_group"]].append(item["policy_id"])
    return {policy_id: {"combinable": len(members) == 1,
                        "not_combinable_with": [other for other in members if other != policy_id]}
            for members in groups.values() for policy_id in members}
