"""Opening an application: when the policy service's terms allow one, and what a new one records.

An enterprise has at most one open application per policy, and one per exclusive group (policies that cannot
be redeemed together); a rejected application frees both. The database holds both limits, so that two
submissions at the same moment cannot both pass (`application_store`); this module names them.

Proactive redemption (免申即享) opens an application on the enterprise's behalf, in `confirmation`, with the
amount the policy's formula gives; the enterprise confirms it. Every other application starts at the window.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.application.domain.refusals import Refused
from services.application.domain.stages import limits_for
from shared.contracts.actors import Actor
from shared.contracts.applications import Opening, Stage
from shared.contracts.policies import PolicyStatus
from shared.money import yuan


def check_terms(terms: Mapping[str, Any]) -> None:
    """Refused (409) unless the policy is published and redeemable and the enterprise matches it."""
    policy, uscc = terms["policy"], terms["uscc"]
    if policy["status"] != PolicyStatus.published:
        raise Refused(f"policy {policy['id']} is {policy['status']}; applications are for published policies", 409,
                      {"status": policy["status"]})
    if not policy["redeemable"]:
        raise Refused(f"policy {policy['id']} is not redeemable: there is nothing to apply for", 409,
                      {"redeemable": False})
    if not terms["matched"]:
        raise Refused(f"enterprise {uscc} does not match policy {policy['id']}: " + "；".join(terms["missing"]), 409,
                      {"missing": terms["missing"]})


def open_key(uscc: str, policy_id: int) -> str:
    """What the one open application of an enterprise and a policy is known by."""
    return f"{uscc}:{policy_id}"


def already_open(uscc: str, policy_id: int, application_id: int | None) -> Refused:
    return Refused(f"enterprise {uscc} already has application {application_id} for policy {policy_id}", 409,
                   {"application_id": application_id})


def exclusive(policy: Mapping[str, Any], rival_policy_id: int | None, rival_id: int | None) -> Refused:
    group = policy["exclusive_group"]
    return Refused(f"policy {policy['id']} cannot be combined with policy {rival_policy_id} (exclusive group "
                   f"{group}); application {rival_id} is already open for it", 409,
                   {"exclusive_group": group, "application_id": rival_id})


def first_stage(proactive: bool) -> Stage:
    return Stage.confirmation if proactive else Stage.acceptance


def opening_action(proactive: bool) -> Opening:
    """The history's name for opening: the platform creates an offer, an applicant submits."""
    return Opening.create if proactive else Opening.submit


def application(terms: Mapping[str, Any], *, proactive: bool, note: str | None, materials: Sequence[dict],
                created_by: Actor, now: datetime) -> dict[str, Any]:
    """A new application's fields: the policy as the terms describe it, the form pre-filled from the
    enterprise's profile (nothing asked twice), the formula's estimate as its amount, the policy's stage limits
    over the defaults, and `materials` as their records (name, filename, media type, size, sha256)."""
    policy, uscc = terms["policy"], terms["uscc"]
    estimated = terms["estimated_amount"]
    return {
        "policy_id": policy["id"], "policy_title": policy["title"], "department": policy["department"],
        "level": policy["level"], "county": policy["county"], "exclusive_group": policy["exclusive_group"],
        "uscc": uscc, "enterprise_name": terms["profile"].get("name"), "proactive": proactive,
        "stage": first_stage(proactive).value, "returned_from": None,
        "amount": None if estimated is None else yuan(estimated), "form": terms["profile"],
        "material_list": list(materials), "note": note, "stage_limits": limits_for(policy["stage_limits"] or {}),
        "created_by": created_by.model_dump(mode="json"), "created_at": now, "updated_at": now,
        "open_key": open_key(uscc, policy["id"])}
