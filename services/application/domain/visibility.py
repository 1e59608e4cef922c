"""Who may see an application (contract section 5): the one rule, for one application (`may_see`)
and, as conditions on the hall's columns, for a listing (`hall.scope_conditions`).

An enterprise sees its own applications. A department's staff see those the window routed to their
department, a county's staff those of their county's county-level policies routed to them: an offer
withdrawn before routing, or an application the window returned, is not theirs to see. The window
and the city administrator see every one; the gateway lets no other role read applications
(assessors get statistics, which name no enterprise).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.contracts.actors import Actor, Role
from shared.contracts.applications import ApplicationAction, Stage

# The stages only a routed application can be in, and those an application reaches routed or not
# (rejected: also a withdrawn offer; returned: also by the window), where its history says which.
ALWAYS_ROUTED = (Stage.review, Stage.public_notice, Stage.objection, Stage.disbursement, Stage.completed)
ROUTED_IF_HISTORY_SAYS = (Stage.returned, Stage.rejected)


def was_routed(stage: str, actions: Iterable[str]) -> bool:
    """Whether the application was routed to its policy's department, from its stage and, where the
    stage does not say, the actions of its history."""
    return stage in ALWAYS_ROUTED or (stage in ROUTED_IF_HISTORY_SAYS and ApplicationAction.route in actions)


@dataclass(frozen=True)
class Visibility:
    """The applications an actor may see: those whose fields have these values, and, where
    `routed_only`, only those that were routed."""

    fields: Mapping[str, str | None]
    routed_only: bool = False


def visibility(actor: Actor) -> Visibility:
    if actor.role is Role.enterprise:
        return Visibility({"uscc": actor.uscc})
    owned = actor.policy_scope()
    if owned is not None:
        return Visibility(owned, routed_only=True)
    return Visibility({})


def may_see(actor: Actor, application: Mapping[str, Any]) -> bool:
    """Whether `actor` may see `application` (as the hall answers it: its fields and its history)."""
    rule = visibility(actor)
    if any(application[field] != value for field, value in rule.fields.items()):
        return False
    return not rule.routed_only or was_routed(application["stage"],
                                              [entry["action"] for entry in application["history"]])
