"""A policy's lifecycle (contract section 6): a draft is published, a draft or a published policy is
revised, a published one is withdrawn or expires, and one published before its valid_from day starts
on that day. These are the rules each move must pass; `policy_store` keeps what they decide."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from services.policy.domain import departments
from shared import eligibility
from shared.clock import CHINA
from shared.contracts.events import PolicyInForce
from shared.contracts.policies import PolicyDraft, PolicyStatus
from shared.errors import Conflict, Invalid

REVISABLE = (PolicyStatus.draft, PolicyStatus.published)


def checked_draft(body: Any, register: Mapping[str, str]) -> PolicyDraft:
    """The draft, or Invalid naming each offending field (422); its department must be in the register
    (code -> name), which names it when the draft gives the code only."""
    try:
        draft = PolicyDraft.model_validate(body)
    except ValidationError as error:
        raise Invalid("the policy is not valid", [
            {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
            for item in error.errors(include_url=False)]) from None
    departments.check(draft.department, register)
    if draft.department_name is None:
        draft = draft.model_copy(update={"department_name": register[draft.department]})
    return draft


def checked_rule(rule_json: Any, known_tags: Collection[str]) -> eligibility.Rule:
    """The parsed rule, or Invalid naming the offending node (422)."""
    try:
        return eligibility.parse(rule_json, known_tags)
    except eligibility.RuleError as error:
        raise Invalid(f"eligibility {error.path}: {error.message}",
                      [{"field": f"eligibility{error.path[1:]}", "message": error.message}]) from None


def stored_rule(rule_json: Any) -> eligibility.Rule:
    """A saved policy's rule: its tags were checked against the catalogue when it was saved, and one
    retired since must not make the policy unreadable."""
    return eligibility.parse(rule_json, None)


def stored_fields(draft: PolicyDraft, rule: eligibility.Rule) -> dict[str, Any]:
    """The columns a draft's body fills, with the rule in its normal form and the tags it names."""
    return {**draft.model_dump(mode="json"), "eligibility": rule.to_json(),
            "tags_used": sorted(eligibility.tags_used(rule))}


def check_publishable(policy: Mapping[str, Any], today: date) -> None:
    """Conflict (409) unless the policy is a draft that has not ended."""
    if policy["status"] == PolicyStatus.published:
        raise Conflict(f"policy {policy['id']} is already published", {"status": policy["status"]})
    if policy["status"] != PolicyStatus.draft:
        raise Conflict(f"only a draft can be published; policy {policy['id']} is {policy['status']}",
                       {"status": policy["status"]})
    if policy["valid_to"] < today.isoformat():
        raise Conflict(f"policy {policy['id']} ended on {policy['valid_to']}; it cannot be published",
                       {"valid_to": policy["valid_to"]})


def check_tags_active(policy: Mapping[str, Any], active_tags: Collection[str]) -> None:
    """Conflict (409) when the rule names a tag the catalogue no longer has active: the draft was
    written before the tag was retired, and published it would keep a tag nobody is given."""
    retired = sorted(set(policy["tags_used"]) - set(active_tags))
    if retired:
        raise Conflict(f"policy {policy['id']}'s rule uses tags no longer in the catalogue: {', '.join(retired)}; "
                       "revise the rule before publishing", {"tags": retired})


def started_when_published(policy: Mapping[str, Any], today: date, now: datetime) -> datetime | None:
    """Live from today: the re-match that follows pushes it; from a later day: it starts that day."""
    return now if policy["valid_from"] <= today.isoformat() else None


def check_revisable(policy: Mapping[str, Any]) -> None:
    if policy["status"] not in REVISABLE:
        raise Conflict(f"policy {policy['id']} is {policy['status']}; only a draft or a published policy can be "
                       "revised", {"status": policy["status"]})


def started_when_revised(valid_from: str, today: date, started_at: datetime | None, now: datetime) -> datetime | None:
    """A published policy revised: the re-match a revision causes pushes a policy live today (once: one that
    started keeps its day); one moved to a later day starts that day."""
    return (started_at or now) if valid_from <= today.isoformat() else None


def in_force(event: type[PolicyInForce], policy: Mapping[str, Any], department_name: str | None) -> PolicyInForce:
    """The event of a policy published or revised while published: the tags its rule uses (tagging keeps them) and
    what the evaluation service rolls it up by: its department (with the register's name, else the policy's own),
    level and county, whether it is redeemable and proactive."""
    return event(policy_id=policy["id"], version=policy["version"], title=policy["title"],
                 department=policy["department"], department_name=department_name or policy["department_name"],
                 tags_used=policy["tags_used"], level=policy["level"], county=policy["county"],
                 redeemable=policy["redeemable"], proactive=policy["proactive"])


def check_withdrawable(policy: Mapping[str, Any]) -> None:
    if policy["status"] != PolicyStatus.published:
        raise Conflict(f"only a published policy can be withdrawn; policy {policy['id']} is {policy['status']}",
                       {"status": policy["status"]})


def live_when_published(valid_from: str, published_at: datetime) -> bool:
    """Whether a published policy was already live (its valid_from day reached, China time) when published:
    then its publishing pushed it, and its start is only marked."""
    return valid_from <= published_at.astimezone(CHINA).date().isoformat()
