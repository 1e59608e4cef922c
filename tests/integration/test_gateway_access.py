"""docs/access.md, cell by cell: every route called with a token of every role, no token and a wrong
token, against a running gateway (with stand-ins for the services behind it).

A cell `401` or `403` must be exactly that; any other cell must be neither (the stand-ins answer,
or say they cannot: 404, 409, 422 and 503 all show the gateway let the call through). Where the
scope is in the path (an enterprise's code, a policy, an application) or an event's `source`, the
cell `own`/`routed`/`object` is also called outside the scope, and must be 403.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from services.application.domain import visibility
from services.evaluation.domain import access as evaluation_access
from services.gateway.access import COLUMNS, NO_TOKEN, WRONG_TOKEN, Cell, parse
from services.gateway.auth import STAFF_SELF_ACTIONS
from services.gateway.routes import ROUTE_LIST, Route
from shared.contracts.actors import Actor
from shared.errors import EXPECTED, Forbidden, NotFound
from shared.rpc import rpc
from shared.uscc import complete
from tests.integration.gateway_stand_ins import (
    USCC,
    FakeCounselling,
    FakeEvaluation,
    FakeNotification,
    FakePolicy,
    FakeTagging,
)

ACCESS_MD = Path(__file__).resolve().parents[2] / "docs" / "access.md"
OTHER_USCC = complete("91371600000000000")
DEPARTMENT, COUNTY = "finance", "371625"
OURS = {"department": DEPARTMENT, "level": "county", "county": COUNTY}        # in every scoped caller's scope
THEIRS = {"department": "industry", "level": "county", "county": "371602"}  # in none
POLICIES = {6: OURS, 8: THEIRS}
APPLICATIONS = {1: {"uscc": USCC, **OURS, "history": [{"action": "submit"}, {"action": "route"}]},
                2: {"uscc": OTHER_USCC, **THEIRS, "history": [{"action": "submit"}]}}
IN_SCOPE = {"uscc": USCC, "policy_id": 6, "application_id": 1}   # and the caller's own account (`own_account`)
OUT_OF_SCOPE = {"uscc": OTHER_USCC, "policy_id": 8, "application_id": 2, "account_id": "staff-999999"}
# which path parameters carry each scoped role's scope
SCOPED_BY = {"enterprise": ("uscc", "application_id"),
             "department_staff": ("policy_id", "application_id", "account_id"),
             "county_staff": ("policy_id", "application_id", "account_id"),
             **{role: ("account_id",) for role in ("window_clerk", "assessor", "counsellor")}}
OTHER_PARAMETERS = {"routing_key": "enterprise.registered", "code": "scale.small", "job_id": 1,
                    "account_id": "staff-999999", "notification_id": 1, "question_id": 1, "pack_id": 1,
                    "quarantine_id": 1, "year": 2027, "evaluation_id": 3, "follow_up_id": 5,
                    "rectification_id": 21, "registration_id": "0" * 32, "team_id": 1, "problem_id": 1}
SOURCE = "market-regulation"
EVENT = {"event_id": "access-1", "occurred_at": "2026-11-27T09:30:00+08:00", "sequence": 1,
         "enterprise": {"uscc": USCC}}


class ScopedPolicy(FakePolicy):
    name = "policy"

    @rpc(expected_exceptions=EXPECTED)
    def get(self, policy_id):
        if policy_id not in POLICIES:
            raise NotFound(f"no policy {policy_id}")
        return {"id": policy_id, "title": "测试政策", "status": "published", "version": 1, **POLICIES[policy_id]}


class ScopedApplication:
    name = "application"

    @rpc
    def health(self):
        return {"service": "application", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def get(self, application_id, actor):
        """As the application service answers: only what the actor may see (`visibility.may_see`)."""
        if application_id not in APPLICATIONS:
            raise NotFound(f"no application {application_id}")
        application = {"id": application_id, "policy_id": 6, "stage": "review", "form": {"annual_revenue": 1},
                       **APPLICATIONS[application_id]}
        if not visibility.may_see(Actor.model_validate(actor), application):
            raise Forbidden(f"application {application_id} is not yours to see")
        return application


class ScopedEvaluation(FakeEvaluation):
    name = "evaluation"

    @rpc(expected_exceptions=EXPECTED)
    def file_self_assessment(self, actor, evaluation_id, unit, scores, evidence):
        """As the evaluation service answers: a unit's own staff only (`access.check_self_assessor`)."""
        evaluation_access.check_self_assessor(Actor.model_validate(actor), unit)
        return super().file_self_assessment(actor, evaluation_id, unit, scores, evidence)


@pytest.fixture
def services(quick_consumers, container_factory, amqp_uri, accounts_service):
    for cls in (FakeTagging, ScopedPolicy, FakeNotification, ScopedApplication, ScopedEvaluation, FakeCounselling):
        container_factory(cls, {"AMQP_URI": amqp_uri, "serializer": "json"}).start()


@pytest.fixture
def tokens(api, services) -> dict[str, str | None]:
    """A token per column of docs/access.md; None for `no token`."""
    made = {}
    for role in ("city_admin", "department_staff", "county_staff", "window_clerk", "assessor", "counsellor"):
        scope = {"department": DEPARTMENT} if role == "department_staff" else (
            {"county": COUNTY} if role == "county_staff" else ({"team_id": 1} if role == "counsellor" else {}))
        made[role] = created(api.post("/api/v1/staff", json={"name": role, "role": role, **scope}))
    made["enterprise"] = created(api.post(f"/api/v1/enterprises/{USCC}/accounts", json={}))
    made["system"] = created(api.post("/api/v1/systems", json={"source": SOURCE}))
    OWN_ACCOUNTS.update({column: account["id"] for column, account in made.items()})
    return {**{column: account["token"] for column, account in made.items()}, NO_TOKEN: None,
            WRONG_TOKEN: "hq_" + "x" * 43}


OWN_ACCOUNTS: dict[str, str] = {}   # column -> the id of its token's account (the `tokens` fixture fills it)


def own_scope(route: Route, column: str) -> dict:
    """IN_SCOPE, with the caller's own account where the route acts on one's own account (never another route:
    `disable_account` on its own would lock the caller out)."""
    if route.action not in STAFF_SELF_ACTIONS:
        return IN_SCOPE
    return {**IN_SCOPE, "account_id": OWN_ACCOUNTS.get(column, OTHER_PARAMETERS["account_id"])}


def created(response: requests.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


# routes whose scope an enterprise names in the query (`?uscc=`), never the whole list
SCOPED_BY_QUERY = {"enterprise": ("near_misses", "near_misses_xlsx")}


def call(gateway: str, route: Route, token: str | None, scope: dict, body=None, column: str = "") -> requests.Response:
    path = route.path.format(**{**OTHER_PARAMETERS, "code": "abcdefgh" if route.name == "public_pack"
                                else OTHER_PARAMETERS["code"], **scope})
    query = {"uscc": scope["uscc"]} if route.name in SCOPED_BY_QUERY.get(column, ()) else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(route.method, gateway + path, params=query, json=body, headers=headers, timeout=10)


# valid bodies, so that a call out of scope in its path reaches the scope check
VALID_BODIES = {"declare_interests": {"interests": ["financing"]}, "set_notification_preferences": {"digest": "daily"},
                "set_contacts": {"phone": "13812341234"}, "set_staff_contacts": {"phone": "13812341234"},
                "withdraw_policy": {"reason": "测试"}, "raise_problem": {"text": "融资难"},
                "revise_policy": {"title": "测试政策", "department": DEPARTMENT, "summary": "测试", "eligibility": {},
                                  "valid_from": "2026-01-01", "valid_to": "2026-12-31"}}


# a self-assessment names its unit in the body: the caller's own, or another
FILING = {"scores": {"supply_match": 80}, "evidence": "年度工作报告"}
OWN_UNIT = {"department_staff": DEPARTMENT, "county_staff": COUNTY}
OTHER_UNIT = {"department_staff": "industry", "county_staff": "371602"}


def out_of_scope_body(route: Route, column: str):
    """A body whose scope is out of the caller's, where the scope is in the body; else a valid body, if needed."""
    if route.name == "self_assess" and column in OTHER_UNIT:
        return {**FILING, "unit": OTHER_UNIT[column]}
    if route.name == "publish_event":
        return {**EVENT, "source": "tax"}
    if route.name == "act_on_application" and column in ("assessor", "counsellor"):
        return {"action": "accept"}
    if route.name == "submit_application" and column == "enterprise":
        return {"policy_id": 6, "uscc": OTHER_USCC}
    return VALID_BODIES.get(route.name)


def in_scope_body(route: Route, column: str):
    if route.name == "self_assess":
        return {**FILING, "unit": OWN_UNIT.get(column, DEPARTMENT)}
    if route.name == "act_on_application":
        return {"action": "object", "comment": "异议"} if column in ("assessor", "counsellor") else {"action": "accept"}
    return None


def test_the_table_covers_every_route_and_column():
    table = parse(ACCESS_MD.read_text(encoding="utf-8"))
    assert list(table) == [route.name for route in ROUTE_LIST]
    assert all(list(row) == list(COLUMNS) for row in table.values())


def test_every_route_answers_every_caller_as_docs_access_md_says(gateway, tokens):
    table = parse(ACCESS_MD.read_text(encoding="utf-8"))
    wrong = []
    checked = 0
    for route in ROUTE_LIST:
        for column in COLUMNS:
            expected = Cell(table[route.name][column])
            token = tokens[column]
            status = call(gateway, route, token, own_scope(route, column), in_scope_body(route, column),
                          column).status_code
            checked += 1
            if expected in (Cell.unauthorized, Cell.forbidden):
                if status != int(expected.value):
                    wrong.append((route.name, column, expected.value, status))
                continue
            if status in (401, 403):
                wrong.append((route.name, column, f"{expected.value} (not 401/403)", status))
            if expected is Cell.yes:
                continue
            # own, routed, object: outside the scope it must be 403, where the request carries the scope
            body = out_of_scope_body(route, column)
            scoped_path = (any(f"{{{name}}}" in route.path for name in SCOPED_BY.get(column, ()))
                           or route.name in SCOPED_BY_QUERY.get(column, ()))
            if body is None and not scoped_path:
                continue
            if route.name == "act_on_application" and column not in ("assessor", "counsellor", "enterprise"):
                continue   # staff acting: the lifecycle decides (owns_policy), tested with the application service
            status = call(gateway, route, token, OUT_OF_SCOPE, body or in_scope_body(route, column), column).status_code
            checked += 1
            if status != 403:
                wrong.append((route.name, column, "403 out of scope", status))
    assert not wrong, "\n".join(f"{name} as {column}: expected {expected}, got {status}"
                                for name, column, expected, status in wrong)
    assert checked > len(ROUTE_LIST) * len(COLUMNS)
