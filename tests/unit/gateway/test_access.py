"""docs/access.md is the permission table route by route, and says what contract section 5 asks."""
from pathlib import Path

import pytest

from services.gateway.access import COLUMNS, NO_TOKEN, Cell, cell, parse, render
from services.gateway.auth import Role
from services.gateway.routes import ROUTE_LIST, ROUTES

ACCESS_MD = Path(__file__).resolve().parents[3] / "docs" / "access.md"


def test_docs_access_md_is_current():
    assert ACCESS_MD.read_text(encoding="utf-8") == render(), "run `huiqi access` and commit docs/access.md"


def test_the_rendered_table_parses_back_to_the_cells():
    table = parse(render())
    assert list(table) == [route.name for route in ROUTE_LIST]
    for route in ROUTE_LIST:
        assert [Cell(table[route.name][column]) for column in COLUMNS] == [
            cell(route, Role(column) if column in Role.__members__ else None) for column in COLUMNS]


# what reads an enterprise's file or an application's form
ENTERPRISE_DATA = ("get_enterprise", "enterprise_history", "enterprise_policies", "enterprise_notifications",
                   "explain_policy", "get_application", "list_applications", "declare_interests", "ask_question")


@pytest.mark.parametrize("role", [Role.assessor, Role.counsellor])
@pytest.mark.parametrize("name", ENTERPRISE_DATA)
def test_assessors_and_counsellors_read_no_enterprise_file_nor_application_form(role, name):
    assert cell(ROUTES[name], role) is Cell.forbidden


@pytest.mark.parametrize("role", [Role.assessor, Role.counsellor])
def test_assessors_and_counsellors_may_only_object_to_an_application(role):
    assert cell(ROUTES["act_on_application"], role) is Cell.object
    assert cell(ROUTES["act_on_applications"], role) is Cell.forbidden


def test_every_route_but_the_public_ones_is_401_without_a_token():
    public = {route.name for route in ROUTE_LIST if cell(route, None) is Cell.yes}
    assert public == {"health", "health_ready", "health_live", "openapi", "public_pack",
                      "sign_in", "start_registration", "confirm_registration"}   # people's way in
    assert all(parse(render())[route.name][NO_TOKEN] == "401" for route in ROUTE_LIST if route.name not in public)


def test_a_system_publishes_events_and_nothing_else():
    allowed = {route.name for route in ROUTE_LIST if route.action and cell(route, Role.system) is not Cell.forbidden}
    assert allowed == {"publish_event"}
    assert cell(ROUTES["publish_event"], Role.system) is Cell.own
