"""Who acts (contract section 5): the roles, and the `Actor` the gateway names on every RPC.

The gateway authenticates a caller and tells the services who it is; the services record the actor
and judge by it what it may see (an enterprise only itself, a department's staff only what was
routed to it). `Actor` travels as `model_dump(mode="json")` and is read back with `model_validate`
at the receiving entrypoint.
"""
from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from shared.contracts.policies import PolicyLevel


class Role(enum.StrEnum):
    """The roles of contract section 5, and the platform itself acting on a timer or by rule."""

    city_admin = "city_admin"
    department_staff = "department_staff"  # one department's policies
    county_staff = "county_staff"          # county-level policies of one county
    window_clerk = "window_clerk"          # the one window (application hall)
    assessor = "assessor"                  # third-party evaluation: reads, never changes
    counsellor = "counsellor"              # helps enterprises: reads, asks on their behalf
    enterprise = "enterprise"              # one enterprise, itself only
    system = "system"                      # another government system, or the platform itself


# the roles a staff account (POST /api/v1/staff) may have, in the order the contract lists them
STAFF_ROLES: tuple[Role, ...] = tuple(role for role in Role if role not in (Role.enterprise, Role.system))
# staff whose scope is the policies of one department, or the county-level policies of one county
POLICY_OWNER_ROLES = frozenset({Role.department_staff, Role.county_staff})


class Actor(BaseModel):
    """Who a request or a timer acts as. Scope fields are set only for scoped roles: `department`
    for department staff, `county` for county staff, `uscc` for an enterprise, `source` for a
    government system's account, `team_id` for a counsellor in a team."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    id: str
    department: str | None = None
    county: str | None = None
    uscc: str | None = None
    source: str | None = None
    team_id: int | None = None   # a counsellor's team (contract section 10): it acts for that team's enterprises

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Services record actors as they were sent (a stage's `actor`, a history entry's): a field
        # never given stays out, so the platform's own actor is `{"role": "system", "id": ...}` and
        # a staff member's names its (empty) scope, as every record before this model did.
        return {name: value for name, value in handler(self).items() if name in self.model_fields_set}

    def policy_scope(self) -> dict[str, str | None] | None:
        """The policies this actor's scope makes its own, as the values their `department`, `level`
        and `county` must have: a department's staff own their department's policies, a county's
        staff the county-level policies of their county. None for a role that owns none by scope."""
        if self.role is Role.department_staff:
            return {"department": self.department}
        if self.role is Role.county_staff:
            return {"level": PolicyLevel.county, "county": self.county}
        return None

    def owns_policy(self, *, department: str | None, level: str | None, county: str | None) -> bool:
        """Whether the policy with this owner is this actor's own by scope (see `policy_scope`)."""
        scope = self.policy_scope()
        owner = {"department": department, "level": level, "county": county}
        return scope is not None and all(owner[field] == value for field, value in scope.items())
