"""The OpenAPI document covers every route, and every reference in it resolves."""
import inspect
import json
import re

import pytest

from services.gateway import openapi, schemas
from services.gateway.routes import ROUTE_LIST, ROUTES
from services.gateway.service import GatewayService
from services.gateway.web import ApiEntrypoint
from shared.contracts.gov import EnterpriseEvent, ProfilesSynced
from shared.contracts.policies import PolicyDraft, PolicyStatus

DOCUMENT = openapi.document()
COMPONENTS = DOCUMENT["components"]["schemas"]
CONTRACT_ENDPOINTS = [  # contract sections 4, 5, 6, 8 and 9 as far as built, and the operations endpoints
    ("GET", "/health"), ("GET", "/api/v1/openapi.json"), ("POST", "/api/v1/events/{routing_key}"),
    ("GET", "/api/v1/enterprises/{uscc}"), ("GET", "/api/v1/enterprises/{uscc}/policies"),
    ("GET", "/api/v1/enterprises/{uscc}/notifications"),
    ("GET", "/api/v1/enterprises/{uscc}/history"), ("PUT", "/api/v1/enterprises/{uscc}/interests"),
    ("POST", "/api/v1/enterprises/{uscc}/notifications/{notification_id}/read"),
    ("GET", "/api/v1/tags"), ("POST", "/api/v1/policies"), ("POST", "/api/v1/policies/{policy_id}/publish"),
    ("GET", "/api/v1/policies"), ("GET", "/api/v1/policies/{policy_id}"), ("GET", "/api/v1/quarantine"),
    ("GET", "/api/v1/admin/dead-letters"),
    ("POST", "/api/v1/quarantine/{quarantine_id}/replay"), ("POST", "/api/v1/quarantine/{quarantine_id}/discard"),
    ("POST", "/api/v1/staff"), ("POST", "/api/v1/enterprises/{uscc}/accounts"),
    ("PUT", "/api/v1/policies/{policy_id}"), ("GET", "/api/v1/policies/{policy_id}/versions"),
    ("POST", "/api/v1/policies/{policy_id}/withdraw"), ("GET", "/api/v1/policies/{policy_id}/explain/{uscc}"),
    ("GET", "/api/v1/policies/{policy_id}/near-misses"), ("POST", "/api/v1/policies/import"),
    ("POST", "/api/v1/policies/{policy_id}/questions"), ("GET", "/api/v1/policies/{policy_id}/questions"),
    ("POST", "/api/v1/questions/{question_id}/answer"), ("POST", "/api/v1/packs"), ("GET", "/packs/{code}"),
    ("GET", "/api/v1/packs/{pack_id}"), ("GET", "/api/v1/packs/{pack_id}/qr.png"),
    ("GET", "/api/v1/packs/{pack_id}/qr.svg"), ("POST", "/api/v1/admin/clock"),
    # section 9: ratings, the three evaluations and rectifications
    ("POST", "/api/v1/ratings"), ("GET", "/api/v1/ratings"), ("POST", "/api/v1/follow-ups/{follow_up_id}/close"),
    ("GET", "/api/v1/alarms"), ("POST", "/api/v1/evaluations"),
    ("POST", "/api/v1/evaluations/{evaluation_id}/self-assessments"),
    ("POST", "/api/v1/evaluations/{evaluation_id}/survey"),
    ("POST", "/api/v1/evaluations/{evaluation_id}/survey/responses"),
    ("POST", "/api/v1/evaluations/{evaluation_id}/assessments"), ("POST", "/api/v1/evaluations/{evaluation_id}/close"),
    ("GET", "/api/v1/evaluations/{evaluation_id}/results"), ("GET", "/api/v1/evaluations/{evaluation_id}/results.xlsx"),
    ("POST", "/api/v1/rectifications"), ("POST", "/api/v1/rectifications/{rectification_id}/progress"),
    ("POST", "/api/v1/rectifications/{rectification_id}/complete"),
    ("POST", "/api/v1/rectifications/{rectification_id}/verify"),
    ("POST", "/api/v1/rectifications/{rectification_id}/reopen"),
]


def _operation(route):
    return DOCUMENT["paths"][route.path][route.method.lower()]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_it_is_openapi_3_1_and_plain_json():
    assert DOCUMENT["openapi"] == "3.1.0"
    assert {"title", "version"} <= set(DOCUMENT["info"])
    assert json.loads(json.dumps(DOCUMENT)) == DOCUMENT


def test_every_route_is_documented_once():
    documented = [(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item]
    assert sorted(documented) == sorted((route.method, route.path) for route in ROUTE_LIST)
    assert set(CONTRACT_ENDPOINTS) <= set(documented)
    operation_ids = [operation["operationId"] for item in DOCUMENT["paths"].values() for operation in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_resolves():
    refs = set(_refs(DOCUMENT))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[-1] in COMPONENTS, ref


@pytest.mark.parametrize("route", ROUTE_LIST, ids=lambda route: route.name)
def test_path_parameters_match_the_template(route):
    in_template = set(re.findall(r"{(\w+)}", route.path))
    declared = {p["name"] for p in _operation(route)["parameters"] if p["in"] == "path"}
    assert declared == in_template
    assert all(p["required"] for p in _operation(route)["parameters"] if p["in"] == "path")


@pytest.mark.parametrize(("name", "models"), [
    ("publish_event", [EnterpriseEvent, ProfilesSynced]),
    ("create_policy", [PolicyDraft]),
    ("declare_interests", [schemas.InterestsRequest]),
    ("rate", [schemas.RatingRequest]),
    ("open_evaluation", [schemas.RoundRequest]),
])
def test_request_bodies_reference_the_pydantic_schemas(name, models):
    body = _operation(ROUTES[name])["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    refs = [item["$ref"] for item in schema.get("oneOf", [schema])]
    assert refs == [f"#/components/schemas/{model.__name__}" for model in models]
    for model in models:
        expected = model.model_json_schema(ref_template="#/components/schemas/{model}")
        expected.pop("$defs", None)
        assert COMPONENTS[model.__name__] == expected


def test_only_routes_with_a_body_take_one():
    for route in ROUTE_LIST:
        assert ("requestBody" in _operation(route)) == bool(route.bodies or route.upload), route.name


def test_an_upload_takes_one_multipart_file_and_images_are_binary():
    upload = _operation(ROUTES["import_policies"])["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["required"] == ["file"]
    png = _operation(ROUTES["pack_qr_png"])["responses"]["200"]["content"]
    assert png == {"image/png": {"schema": {"type": "string", "format": "binary"}}}
    page = _operation(ROUTES["public_pack"])
    assert set(page["responses"]["200"]["content"]) == {"application/json", "text/html"}
    assert page["security"] == []


@pytest.mark.parametrize("route", ROUTE_LIST, ids=lambda route: route.name)
def test_security_and_error_answers(route):
    operation = _operation(route)
    responses = operation["responses"]
    assert str(route.status) in responses
    if route.needs_token:
        assert operation["security"] == [{"bearer": []}, {"session": []}]
        assert {"401", "403"} <= set(responses)
    else:
        assert operation["security"] == []
        assert ("401" in responses) == (401 in route.errors)   # signing in: a wrong password
    if route.path_params or route.query or route.bodies:
        assert "422" in responses
    for status, response in responses.items():
        if int(status) >= 400 and int(status) not in route.answer_on_error:
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    assert DOCUMENT["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert DOCUMENT["components"]["securitySchemes"]["session"]["name"] == "huiqi_session"


def test_query_parameters_come_from_the_query_models():
    parameters = {p["name"]: p for p in _operation(ROUTES["search_policies"])["parameters"] if p["in"] == "query"}
    assert set(parameters) == set(schemas.PolicySearchQuery.model_fields)
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert parameters["status"]["schema"]["enum"] == list(PolicyStatus)
    notifications = _operation(ROUTES["enterprise_notifications"])
    assert {p["name"] for p in notifications["parameters"] if p["in"] == "query"} == {"limit", "offset"}
    headers = notifications["responses"]["200"]["headers"]
    assert {"X-Total-Count", "X-Unread-Count", "X-Request-Id"} <= set(headers)


def test_the_history_is_a_page_of_versions():
    history = _operation(ROUTES["enterprise_history"])
    assert {p["name"] for p in history["parameters"] if p["in"] == "query"} == {"limit", "offset"}
    schema = history["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Page_ProfileVersion_"}
    assert "404" in history["responses"]
    assert set(COMPONENTS["ProfileVersion"]["properties"]) >= {"version", "source", "sequence", "changes",
                                                               "tags_added", "tags_removed", "at"}


def test_list_answers_are_arrays():
    for name in ("enterprise_policies", "enterprise_notifications", "dead_letters"):
        schema = _operation(ROUTES[name])["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["type"] == "array" and "$ref" in schema["items"]


def test_a_rounds_weights_name_every_dimension_and_source():
    weights = COMPONENTS["DimensionWeights"]
    assert weights["required"] == list(schemas.DIMENSIONS) and weights["additionalProperties"] is False
    assert weights["properties"]["supply_match"] == {"type": "number", "minimum": 0, "maximum": 1,
                                                     "description": "政策供给匹配度", "title": "Supply Match"}
    assert COMPONENTS["SourceWeights"]["required"] == ["platform", "self", "survey", "third_party"]
    assert set(COMPONENTS["ResultEntry"]["properties"]) == {"unit", "name", "score", "rank", "rank_range",
                                                            "dimensions", "sources"}


def test_health_documents_its_503_with_its_own_answer():
    responses = _operation(ROUTES["health"])["responses"]
    assert responses["503"]["content"] == responses["200"]["content"]


# the route table and the service agree --------------------------------------------------------------

def _entrypoints():
    found = {}
    for name, method in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiEntrypoint):
                found[entrypoint.route.name] = (name, method)
    return found


def test_each_route_is_served_by_the_method_of_its_name():
    entrypoints = _entrypoints()
    assert set(entrypoints) == set(ROUTES)
    assert all(method_name == route_name for route_name, (method_name, _) in entrypoints.items())


@pytest.mark.parametrize("route", ROUTE_LIST, ids=lambda route: route.name)
def test_each_method_takes_exactly_what_the_route_gives(route):
    _, method = _entrypoints()[route.name]
    parameters = list(inspect.signature(method).parameters)
    expected = set(re.findall(r"{(\w+)}", route.path))
    if route.needs_token:
        expected.add("caller")
    if route.query:
        expected.add("query")
    if route.bodies:
        expected.add("body")
    assert parameters[:2] == ["self", "request"]
    assert set(parameters[2:]) == expected
