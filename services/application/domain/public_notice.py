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

from services.application.domain.refusals import Refused
from shared.contracts.actors import Actor, Role

ENDED_COMMENT = "公示期满无异议"   # the history's note when a notice runs its course without objection


def objector(actor: Mapping[str, Any]) -> str:
    """Who objects, as counted for `one objection each`."""
    if actor.get("role") == Role.enterprise:
        return f"enterprise:{actor.get('uscc')}"
    return f"{actor.get('role')}:{actor.get('id')}"


def objected_before(actor: Mapping[str, Any], earlier_objectors: Iterable[Mapping[str, Any]]) -> bool:
    """Whether `actor` is the author of one of the earlier objections (their actors)."""
    me = objector(actor)
    return any(objector(earlier) == me for earlier in earlier_objectors)


def check_objection(application_id: int, actor: Actor, comment: str | None,
                    earlier_objectors: Iterable[Mapping[str, Any]]) -> None:
    """Refused unless the objection says what it objects to (422) and its author has not objected before (409)."""
    if comment is None or not comment.strip():
        raise Refused("an objection says what is objected to: `comment`", 422,
                      [{"field": "comment", "message": "required for object"}])
    if objected_before(actor.model_dump(mode="json"), earlier_objectors):
        raise Refused(f"you have objected to application {application_id} before; each enterprise (or member "
                      "of staff) objects once", 409, {"application_id": application_id})


def record(application: Mapping[str, Any], *, comment: str, at: datetime) -> dict:
    """The public record of `application` (its row's fields) with one objection to it."""
    return {"application_id": application["id"], "policy_id": application["policy_id"],
            "policy_title": application["policy_title"], "department": application["department"],
            "enterprise_name": application["enterprise_name"], "amount": application["amount"],
            "status": application["stage"], "objection": {"comment": comment, "at": at.isoformat()}}
