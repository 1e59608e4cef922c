"""The public notice (公示) of an approved application, and objections to it.

What a notice shows the public is what Chinese award notices list: the enterprise's name, the
policy and its department, the amount. Anyone who objects gets that back with their objection,
never the application's form (the enterprise's file: revenue, assets, R&D spending), its
materials or the enterprise's code: an objector is usually not the applicant.

Each objector objects once per application: an enterprise by its code (whichever of its accounts
asks), anyone else by their account. A dismissed objection does not let its author object again
and hold the award up a second time.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from shared.contracts.actors import Role


def objector(actor: Mapping[str, Any]) -> str:
    """Who objects, as counted for `one objection each`."""
    if actor.get("role") == Role.enterprise:
        return f"enterprise:{actor.get('uscc')}"
    return f"{actor.get('role')}:{actor.get('id')}"


def objected_before(actor: Mapping[str, Any], earlier_objectors: Iterable[Mapping[str, Any]]) -> bool:
    """Whether `actor` is the author of one of the earlier objections (their actors)."""
    me = objector(actor)
    return any(objector(earlier) == me for earlier in earlier_objectors)


def record(application: Mapping[str, Any], *, comment: str, at: datetime) -> dict:
    """The public record of `application` (its row's fields) with one objection to it."""
    return {"application_id": application["id"], "policy_id": application["policy_id"],
            "policy_title": application["policy_title"], "department": application["department"],
            "enterprise_name": application["enterprise_name"], "amount": application["amount"],
            "status": application["stage"], "objection": {"comment": comment, "at": at.isoformat()}}
