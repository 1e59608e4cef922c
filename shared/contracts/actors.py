"""Who acts (contract section 5): the roles."""
from __future__ import annotations

import enum


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
