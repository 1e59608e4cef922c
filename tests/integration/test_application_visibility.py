"""Who may see an application, listed and counted in SQL (`application_store.scope_conditions`) and answered for one
application (`visibility.may_see`, behind the scoped `get`): the same applications for every role and
scope, on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from services.application import hall
from services.application.domain import visibility
from services.application.domain.moves import SYSTEM
from shared import workdays
from shared.contracts.actors import Actor, Role
from shared.errors import Forbidden

CALENDAR = workdays.seeded()
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
FIRMS = ("913716000000000017", "91371600000000000X")
OWNERS = (("finance", "city", None), ("finance", "county", "371625"), ("hrss", "county", "371602"))
CLERK = Actor(role=Role.window_clerk, id="clerk")
# the moves after opening, each by whoever the lifecycle asks for (the policy's owner: the administrator)
ADMIN = Actor(role=Role.city_admin, id="admin")
PATHS = {
    "waiting at the window": [],
    "returned by the window": [("return", CLERK)],
    "in review": [("accept", CLERK)],
    "returned in review": [("accept", CLERK), ("return", ADMIN)],
    "rejected in review": [("accept", CLERK), ("reject", ADMIN)],
    "in public notice": [("accept", CLERK), ("approve", ADMIN)],
    "completed": [("accept", CLERK), ("approve", ADMIN), ("end_notice", SYSTEM), ("disburse", ADMIN)],
    "offer waiting": None,   # proactive: opened by the platform
    "offer withdrawn": [("withdraw", SYSTEM)],
}
PROACTIVE = {"offer waiting", "offer withdrawn"}


def terms(policy_id: int, uscc: str, owner: tuple) -> dict:
    department, level, county = owner
    policy = {"id": policy_id, "title": "稳岗补贴", "department": department, "level": level, "county": county,
              "status": "published", "redeemable": True, "exclusive_group": None, "stage_limits": {},
              "budget": 10_000_000, "version": 1}
    return {"policy": policy, "uscc": uscc, "matched": True, "missing": [], "estimated_amount": 20_000,
            "profile": {"name": "滨州测试有限公司"}}


@pytest.fixture
def engine(service_engine):
    return service_engine("application")


@pytest.fixture
def hall_of_every_kind(engine) -> list[int]:
    ids = []
    cases = itertools.product(FIRMS, OWNERS, PATHS.items())
    with engine.begin() as connection:
        for policy_id, (uscc, owner, (name, steps)) in enumerate(cases, start=1):
            proactive = name in PROACTIVE
            application_id = hall.open_application(
                connection, terms(policy_id, uscc, owner), note=None, checked_materials=[],
                actor=SYSTEM if proactive else CLERK, now=NOW, calendar=CALENDAR,
                proactive=proactive).application_id
            for action, actor in steps or []:
                hall.act(connection, application_id, action, actor, comment="意见", amount=None, now=NOW,
                         calendar=CALENDAR)
            ids.append(application_id)
    return ids


def everyone() -> list[Actor]:
    actors = [Actor(role=role, id=role.value) for role in Role]
    actors += [Actor(role=Role.enterprise, id=f"enterprise-{uscc}", uscc=uscc)
               for uscc in (*FIRMS, "913716024JURQ28300")]
    actors += [Actor(role=Role.department_staff, id=f"staff-{code}", department=code)
               for code in ("finance", "hrss", "x")]
    actors += [Actor(role=Role.county_staff, id=f"staff-{county}", county=county)
               for county in ("371625", "371602", "371681")]
    return actors


@pytest.mark.parametrize("actor", everyone(), ids=lambda actor: actor.id)
def test_the_listing_and_the_scoped_get_agree_for_every_role(engine, hall_of_every_kind, actor):
    with engine.connect() as connection:
        listed = hall.listing(connection, NOW, actor=actor, status=None, overdue=None, policy_id=None,
                              limit=200, offset=0)
        counted = hall.statistics(connection, actor)["total"]
        seen = set()
        for application_id in hall_of_every_kind:
            application = hall.get(connection, application_id, NOW)
            if visibility.may_see(actor, application):
                assert hall.get_for(connection, application_id, actor, NOW) == hall.as_seen_by(application, actor)
                seen.add(application_id)
            else:
                with pytest.raises(Forbidden, match=f"application {application_id} is not yours to see"):
                    hall.get_for(connection, application_id, actor, NOW)
    assert {item["id"] for item in listed["items"]} == seen
    assert listed["total"] == counted == len(seen)
    # narrowed to one enterprise (the queue's USCC filter): those of it the actor may see, no others
    for uscc in FIRMS:
        with engine.connect() as connection:
            narrowed = hall.listing(connection, NOW, actor=actor, status=None, overdue=None, policy_id=None,
                                    limit=200, offset=0, uscc=uscc)
        assert {item["id"] for item in narrowed["items"]} == \
            {item["id"] for item in listed["items"] if item["uscc"] == uscc}
        assert narrowed["total"] == len(narrowed["items"])


def test_the_hall_holds_what_each_role_tells_apart(engine, hall_of_every_kind):
    finance = Actor(role=Role.department_staff, id="1", department="finance")
    county = Actor(role=Role.county_staff, id="2", county="371625")
    with engine.connect() as connection:
        stages = {hall.get(connection, application_id, NOW)["stage"] for application_id in hall_of_every_kind}
        by = {who.id: hall.statistics(connection, who)["total"] for who in (finance, county, ADMIN)}
    assert stages == {"acceptance", "returned", "review", "rejected", "public_notice", "completed", "confirmation"}
    # of 9 paths a policy, 5 were routed (in review, returned and rejected in review, notice, completed)
    assert by == {"1": 2 * 2 * 5, "2": 2 * 5, "admin": len(FIRMS) * len(OWNERS) * len(PATHS)}
