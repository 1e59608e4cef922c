"""Who is calling (a bearer token gives a `Caller`) and what they may do (`authorize`).

The gateway checks the role and any scope it can see in the request (the enterprise in the
path, the department in a body). Scope over records it cannot see, such as the department
that owns an existing policy, is checked by the owning service with the `actor` it is given.

Adding a role means: one value in `Role`, a way to find its tokens in `authenticate`, and
one rule in `RULES`. Nothing here imports Nameko.
"""
from __future__ import annotations

import enum
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from services.gateway.errors import Unauthorized
from shared.config import settings
from shared.errors import Forbidden


class Role(enum.StrEnum):
    city_admin = "city_admin"
    # Section 5 of the contract adds these; each needs a rule in RULES before it can act.
    department_staff = "department_staff"
    county_staff = "county_staff"
    window_clerk = "window_clerk"
    assessor = "assessor"
    counsellor = "counsellor"
    enterprise = "enterprise"


class Action(enum.StrEnum):
    publish_event = "events.publish"
    read_enterprise = "enterprise.read"
    declare_interests = "enterprise.declare_interests"  # the enterprise's own policy interests (source self)
    read_notifications = "notifications.read"
    mark_notification_read = "notifications.mark_read"
    read_tags = "tags.read"
    create_policy = "policy.create"
    publish_policy = "policy.publish"
    read_policy = "policy.read"
    read_quarantine = "quarantine.read"
    resolve_quarantine = "quarantine.resolve"   # replay or discard a rejected message
    read_dead_letters = "dead_letters.read"


@dataclass(frozen=True)
class Caller:
    """The authenticated party behind a request. Scope fields are set only for scoped roles."""

    role: Role
    id: str
    department: str | None = None
    county: str | None = None
    uscc: str | None = None

    def actor(self) -> dict:
        """What services are told about the caller (they record it and check record scope)."""
        return {"role": self.role.value, "id": self.id, "department": self.department,
                "county": self.county, "uscc": self.uscc}


@dataclass(frozen=True)
class Resource:
    """What a request acts on, as far as the gateway can tell before asking a service."""

    uscc: str | None = None
    department: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)

CITY_ADMIN_ID = "city-admin"


def _city_admin(caller: Caller, action: Action, resource: Resource) -> Decision:
    return ALLOW


Rule = Callable[[Caller, Action, Resource], Decision]

RULES: dict[Role, Rule] = {
    Role.city_admin: _city_admin,
}


def authorize(caller: Caller, action: Action, resource: Resource = Resource()) -> Decision:
    """Whether `caller` may do `action` on `resource`; a role without a rule may do nothing."""
    rule = RULES.get(caller.role)
    if rule is None:
        return Decision(False, f"the role {caller.role.value} may not {action.value}")
    return rule(caller, action, resource)


def require(caller: Caller, action: Action, resource: Resource = Resource()) -> None:
    """`authorize`, raising Forbidden (403) with the reason when it says no."""
    decision = authorize(caller, action, resource)
    if not decision:
        raise Forbidden(decision.reason or f"not allowed to {action.value}",
                        {"role": caller.role.value, "action": action.value})


def authenticate(authorization: str | None) -> Caller:
    """The caller for an `Authorization: Bearer <token>` header; Unauthorized (401) otherwise."""
    if not authorization:
        raise Unauthorized("this call needs Authorization: Bearer <token>")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must be `Bearer <token>`")
    if _same_secret(token, settings().admin_token):
        return Caller(role=Role.city_admin, id=CITY_ADMIN_ID)
    raise Unauthorized("the token is not valid")


def _same_secret(given: str, expected: str) -> bool:
    # bytes, because compare_digest refuses non-ASCII str and a header may hold anything
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
