"""Star ratings (好差评, contract section 9): what an enterprise may rate, and when a rating opens a follow-up.

An enterprise rates a push it received (it was matched to the policy) and its own application once the
application is `completed` or `rejected`, 1 to 5 stars with an optional comment. Rating the same subject again
replaces the stars (the service keeps the earlier ones in the rating's history). A rating of at most
FOLLOW_UP_BELOW_STARS stars opens a follow-up unless one is already open for the rating. Facts (was it matched,
whose application is it, its stage) are looked up by the caller and passed in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contracts.actors import Actor, Role
from shared.contracts.applications import Stage
from shared.contracts.evaluation import FOLLOW_UP_BELOW_STARS, RatingSubject
from shared.errors import Conflict, Forbidden, Invalid

MAX_COMMENT = 1_000
RATEABLE_STAGES = frozenset({Stage.completed, Stage.rejected})


@dataclass(frozen=True)
class RatingInput:
    """A checked rating request: a push names its policy, an application its application."""

    subject: RatingSubject
    policy_id: int | None
    application_id: int | None
    stars: int
    comment: str | None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_input(subject: Any, *, policy_id: Any = None, application_id: Any = None, stars: Any,
                comment: Any = None) -> RatingInput:
    """The rating request, or Invalid (422) naming the field: `subject` push (with `policy_id`, no
    `application_id`) or application (with `application_id`); `stars` a whole number 1..5; `comment` text of at
    most MAX_COMMENT characters, or none."""
    if subject not in set(RatingSubject):
        raise Invalid("subject: must be push or application", [{"field": "subject", "message": "push or application"}])
    subject = RatingSubject(subject)
    wanted, unwanted = (("policy_id", policy_id), ("application_id", application_id)) \
        if subject is RatingSubject.push else (("application_id", application_id), ("policy_id", policy_id))
    if not _whole(wanted[1]) or wanted[1] < 1:
        raise Invalid(f"{wanted[0]}: a {subject} rating names its {wanted[0]} (a positive whole number)",
                      [{"field": wanted[0], "message": "required"}])
    if unwanted[1] is not None:
        raise Invalid(f"{unwanted[0]}: a {subject} rating names no {unwanted[0]}",
                      [{"field": unwanted[0], "message": "must be absent"}])
    if not _whole(stars) or not 1 <= stars <= 5:
        raise Invalid(f"stars: must be a whole number from 1 to 5, got {stars!r}",
                      [{"field": "stars", "message": "a whole number from 1 to 5"}])
    if comment is not None:
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT or "\x00" in comment:
            raise Invalid(f"comment: at most {MAX_COMMENT:,} characters of text",
                          [{"field": "comment", "message": f"text of at most {MAX_COMMENT:,} characters"}])
        comment = comment.strip() or None
    return RatingInput(subject, policy_id if subject is RatingSubject.push else None,
                       application_id if subject is RatingSubject.application else None, stars, comment)


def check_rater(actor: Actor) -> str:
    """The rating enterprise's uscc; Forbidden (403) for anyone but an enterprise."""
    if actor.role is not Role.enterprise or not actor.uscc:
        raise Forbidden("only an enterprise rates, for itself", {"role": str(actor.role)})
    return actor.uscc


def check_push(policy_id: int, received: bool) -> None:
    """Conflict (409) unless the enterprise received the push: it was matched to the policy."""
    if not received:
        raise Conflict(f"the enterprise received no push of policy {policy_id}: it was never matched to it",
                       {"policy_id": policy_id, "reason": "not_received"})


def check_application(uscc: str, application_id: int, *, applicant: str, stage: str) -> None:
    """Forbidden (403) for another enterprise's application; Conflict (409) for one not yet completed or
    rejected."""
    if applicant != uscc:
        raise Forbidden(f"application {application_id} is another enterprise's", {"application_id": application_id})
    if stage not in RATEABLE_STAGES:
        raise Conflict(f"application {application_id} is at {stage}: it is rated once completed or rejected",
                       {"application_id": application_id, "stage": stage, "reason": "not_finished"})


def opens_follow_up(stars: int, follow_up_open: bool) -> bool:
    """A rating of at most FOLLOW_UP_BELOW_STARS stars opens a follow-up, unless the rating (an earlier score of
    the same subject) already has one open: that one stays open."""
    return stars <= FOLLOW_UP_BELOW_STARS and not follow_up_open
