"""Path, query and body are checked against the route table before any service is called."""
import json

import pytest

from services.gateway.auth import Action, Caller, Role
from services.gateway.errors import InvalidRequest, MalformedBody, Unauthorized
from services.gateway.inputs import decode_json, read_inputs
from services.gateway.routes import ROUTES
from shared.config import settings
from shared.contracts.gov import ROUTING_KEYS, EnterpriseEvent, ProfilesSynced
from shared.contracts.policies import PolicyDraft
from shared.errors import Forbidden

TOKEN = "unit-test-admin-token"
AUTH = f"Bearer {TOKEN}"
USCC = "913716024JURQ28300"
EVENT = {"event_id": "e-1", "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
         "sequence": 1, "enterprise": {"uscc": USCC, "employees": 120}}
DRAFT = {"title": "小微企业稳岗补贴", "department": "hrss", "summary": "稳岗", "eligibility": {"tag": "scale.small"},
         "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


@pytest.fixture(autouse=True)
def admin_token(monkeypatch):
    monkeypatch.setenv("HUIQI_ADMIN_TOKEN", TOKEN)
    settings.cache_clear()
    yield
    settings.cache_clear()


def read(route_name, path=None, query=None, body=None, authorization=AUTH):
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    return read_inputs(ROUTES[route_name], authorization=authorization, path_values=path or {},
                       query_args=query or {}, body=raw)


def invalid(route_name, **kwargs) -> list[dict]:
    with pytest.raises(InvalidRequest) as raised:
        read(route_name, **kwargs)
    return raised.value.details


# path ----------------------------------------------------------------------------------------

def test_a_valid_uscc_passes():
    inputs = read("get_enterprise", path={"uscc": USCC})
    assert inputs.path == {"uscc": USCC}
    assert inputs.caller.role is Role.city_admin


@pytest.mark.parametrize(("uscc", "rule"), [
    ("913716024JURQ28301", "check character"),
    ("913716024JURQ2830", "18 characters"),
    ("913716024jurq28300", "upper case"),
    ("91371602IJURQ2830X", "not allowed"),
])
def test_a_bad_uscc_is_422_naming_uscc_and_the_rule(uscc, rule):
    details = invalid("get_enterprise", path={"uscc": uscc})
    assert [item["field"] for item in details] == ["uscc"]
    assert details[0]["in"] == "path"
    assert rule in details[0]["message"]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "99999999999999999999", ""])
def test_ids_are_positive_integers(value):
    details = invalid("get_policy", path={"policy_id": value})
    assert [(item["field"], item["in"]) for item in details] == [("policy_id", "path")]


def test_ids_arrive_as_integers():
    inputs = read("mark_notification_read", path={"uscc": USCC, "notification_id": "42"})
    assert inputs.path == {"uscc": USCC, "notification_id": 42}


def test_both_path_parameters_are_checked():
    details = invalid("mark_notification_read", path={"uscc": "nope", "notification_id": "0"})
    assert {item["field"] for item in details} == {"uscc", "notification_id"}


def test_an_unknown_routing_key_is_422_naming_the_allowed_ones():
    details = invalid("publish_event", path={"routing_key": "enterprise.renamed"}, body=EVENT)
    assert details[0]["field"] == "routing_key"
    for key in ROUTING_KEYS:
        assert key in details[0]["message"]


# query ---------------------------------------------------------------------------------------

def test_paging_defaults():
    query = read("enterprise_notifications", path={"uscc": USCC}).query
    assert (query.limit, query.offset) == (50, 0)


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"offset": "-1"}, "offset"), ({"offset": "x"}, "offset"),
])
def test_limit_is_1_to_200_and_offset_not_negative(query, field):
    details = invalid("enterprise_notifications", path={"uscc": USCC}, query=query)
    assert [(item["field"], item["in"]) for item in details] == [(field, "query")]


def test_limit_200_and_a_large_offset_are_fine():
    query = read("quarantine", query={"limit": "200", "offset": "100000"}).query
    assert (query.limit, query.offset, query.state) == (200, 100000, "waiting")


def test_policy_search_parameters():
    query = read("search_policies", query={"q": "稳岗 补贴", "department": "hrss", "tag": "scale.small",
                                           "status": "published", "limit": "5"}).query
    assert (query.q, query.department, query.tag, query.status, query.limit, query.offset) == \
        ("稳岗 补贴", "hrss", "scale.small", "published", 5, 0)


def test_an_empty_query_parameter_is_absent():
    query = read("search_policies", query={"q": "", "status": "", "limit": ""}).query
    assert (query.q, query.status, query.limit) == (None, None, 50)


def test_a_bad_status_is_named():
    assert invalid("search_policies", query={"status": "archived"})[0]["field"] == "status"


def test_unknown_query_parameters_are_ignored():
    assert read("health", query={"utm_source": "x"}).query is None
    assert read("tags", query={"utm_source": "x"}).query.include_retired is False


def test_dead_letters_need_a_known_service():
    assert invalid("dead_letters", query={})[0]["field"] == "service"
    assert invalid("dead_letters", query={"service": "gateway"})[0]["field"] == "service"
    query = read("dead_letters", query={"service": "policy", "include_replayed": "true"}).query
    assert (query.service, query.include_replayed, query.limit) == ("policy", True, 100)


# body ----------------------------------------------------------------------------------------

def test_a_single_event_body_is_an_enterprise_event():
    inputs = read("publish_event", path={"routing_key": "enterprise.registered"}, body=EVENT)
    assert isinstance(inputs.body, EnterpriseEvent)


def test_a_bulk_body_checks_the_envelope_only():
    body = {key: EVENT[key] for key in ("event_id", "source", "occurred_at")}
    body["profiles"] = [{"sequence": 1, "enterprise": {"uscc": "bad"}}, {"junk": True}]
    inputs = read("publish_event", path={"routing_key": "enterprise.profiles_synced"}, body=body)
    assert isinstance(inputs.body, ProfilesSynced)


def test_a_bulk_body_needs_profiles():
    body = {key: EVENT[key] for key in ("event_id", "source", "occurred_at")}
    details = invalid("publish_event", path={"routing_key": "enterprise.profiles_synced"},
                      body={**body, "profiles": []})
    assert details[0]["field"] == "profiles"


def test_event_errors_are_dotted_field_paths():
    body = {**EVENT, "occurred_at": "2026-11-27T09:30:00", "enterprise": {"uscc": USCC, "county": "110101"}}
    details = invalid("publish_event", path={"routing_key": "enterprise.profile_changed"}, body=body)
    assert {item["field"] for item in details} == {"occurred_at", "enterprise.county"}
    assert all(item["in"] == "body" for item in details)


def test_a_body_that_is_not_an_object_is_422_not_500():
    details = invalid("publish_event", path={"routing_key": "enterprise.registered"}, body=[EVENT])
    assert details[0]["field"] == "(body)"


@pytest.mark.parametrize("raw", [b"", b"   ", b"{", b"{'a': 1}", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe{}"])
def test_malformed_json_is_400(raw):
    with pytest.raises(MalformedBody):
        read("publish_event", path={"routing_key": "enterprise.registered"}, body=raw)


def test_decode_json_tells_where():
    with pytest.raises(MalformedBody) as raised:
        decode_json(b'{\n "a": }')
    assert raised.value.details == {"line": 2, "column": 7}


def test_a_utf8_bom_is_tolerated():
    assert decode_json("\ufeff{\"a\": \"稳岗\"}".encode()) == {"a": "稳岗"}


def test_a_policy_draft_is_validated():
    inputs = read("create_policy", body=DRAFT)
    assert isinstance(inputs.body, PolicyDraft)
    details = invalid("create_policy", body={**DRAFT, "valid_to": "2025-01-01", "materials": ["a", "b", "c", "d"]})
    assert {item["field"] for item in details} == {"materials"}
    details = invalid("create_policy", body={**DRAFT, "valid_to": "2025-01-01"})
    assert details[0]["field"] == "(body)" and "valid_to" in details[0]["message"]


# order and the service method's arguments --------------------------------------------------------

def test_no_token_is_401_before_any_input_is_looked_at():
    with pytest.raises(Unauthorized):
        read("get_enterprise", path={"uscc": "nope"}, authorization=None)
    with pytest.raises(Unauthorized):
        read("publish_event", path={"routing_key": "x"}, body=b"{", authorization="Bearer wrong")


def test_routes_without_a_token_do_not_ask_for_one():
    assert read("health", authorization=None).caller is None
    assert read("openapi", authorization="Bearer wrong").caller is None


def test_authorization_sees_the_scope(monkeypatch):
    seen = []

    def deny(caller, action, resource):
        seen.append((action, resource))
        raise Forbidden("no")

    monkeypatch.setattr("services.gateway.inputs.require", deny)
    with pytest.raises(Forbidden):
        read("create_policy", body=DRAFT)
    with pytest.raises(Forbidden):
        read("enterprise_policies", path={"uscc": USCC})
    assert [(resource.department, resource.uscc) for _, resource in seen] == [("hrss", None), (None, USCC)]


def test_arguments_for_the_service_method():
    route = ROUTES["enterprise_notifications"]
    inputs = read("enterprise_notifications", path={"uscc": USCC}, query={"limit": "3"})
    arguments = inputs.arguments(route)
    assert set(arguments) == {"uscc", "caller", "query"}
    assert isinstance(arguments["caller"], Caller) and arguments["query"].limit == 3
    assert read("health", authorization=None).arguments(ROUTES["health"]) == {}


# quarantine replay and discard ----------------------------------------------------------------------
def test_a_replay_may_have_no_body_or_a_corrected_one_and_nothing_else():
    assert read("replay_quarantined", path={"quarantine_id": "7"}).body.body is None
    assert read("replay_quarantined", path={"quarantine_id": "7"}, body={}).body.body is None
    corrected = read("replay_quarantined", path={"quarantine_id": "7"}, body={"body": EVENT})
    assert corrected.body.body == EVENT and corrected.path == {"quarantine_id": 7}
    assert "colour" in {error["field"] for error in invalid(
        "replay_quarantined", path={"quarantine_id": "7"}, body={"body": EVENT, "colour": "red"})}
    assert "quarantine_id" in {error["field"] for error in invalid("replay_quarantined", path={"quarantine_id": "0"})}


def test_a_discard_needs_a_reason():
    path = {"quarantine_id": "3"}
    assert read("discard_quarantined", path=path, body={"reason": "测试数据"}).body.reason == "测试数据"
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        assert "reason" in {error["field"] for error in invalid(
            "discard_quarantined", path={"quarantine_id": "3"}, body=body)}
    with pytest.raises(MalformedBody):
        read("discard_quarantined", path={"quarantine_id": "3"})


# the enterprise file: history and self-declared interests -------------------------------------------
def test_the_history_takes_a_uscc_and_a_page():
    inputs = read("enterprise_history", path={"uscc": USCC}, query={"limit": "10", "offset": "20"})
    assert inputs.path == {"uscc": USCC} and (inputs.query.limit, inputs.query.offset) == (10, 20)
    assert [item["field"] for item in invalid("enterprise_history", path={"uscc": "nope"})] == ["uscc"]
    assert invalid("enterprise_history", path={"uscc": USCC}, query={"limit": "0"})[0]["field"] == "limit"


def test_declared_interests_are_codes_deduplicated():
    inputs = read("declare_interests", path={"uscc": USCC}, body={"interests": ["talent", "financing", "talent"]})
    assert list(inputs.body.interests) == ["talent", "financing", "talent"]
    assert read("declare_interests", path={"uscc": USCC}, body={"interests": []}).body.interests == []
    assert set(inputs.arguments(ROUTES["declare_interests"])) == {"uscc", "caller", "body"}


@pytest.mark.parametrize(("body", "field"), [
    ({"interests": ["Financing"]}, "interests.0"),
    ({"interests": ["financing", "出口"]}, "interests.1"),
    ({"interests": ["financing", 7]}, "interests.1"),
    ({"interests": "financing"}, "interests"),
    ({}, "interests"),
    ({"interests": ["export"], "uscc": USCC}, "uscc"),
])
def test_bad_interests_are_422_naming_the_item(body, field):
    details = invalid("declare_interests", path={"uscc": USCC}, body=body)
    assert [(item["field"], item["in"]) for item in details] == [(field, "body")]


def test_declaring_interests_is_its_own_action_on_the_enterprise(monkeypatch):
    seen = []
    monkeypatch.setattr("services.gateway.inputs.require", lambda caller, action, resource: seen.append(
        (action, resource.uscc)))
    read("declare_interests", path={"uscc": USCC}, body={"interests": ["export"]})
    assert seen == [(Action.declare_interests, USCC)]


# who, before what ------------------------------------------------------------------------------

COUNSELLOR = Caller(Role.counsellor, "staff-7")


@pytest.mark.parametrize(("route_name", "path", "body"), [
    ("create_policy", {}, b"{not json"),
    ("create_policy", {}, {"title": ""}),
    ("get_enterprise", {"uscc": "not-a-code"}, None),
    ("publish_event", {"routing_key": "enterprise.renamed"}, {}),
])
def test_a_role_that_may_not_call_the_route_is_403_before_its_inputs_are_read(route_name, path, body):
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    with pytest.raises(Forbidden) as raised:
        read_inputs(ROUTES[route_name], authorization="Bearer hq_counsellor", path_values=path, query_args={},
                    body=raw, find_account=lambda digest: COUNSELLOR)
    assert raised.value.details["role"] == "counsellor"


def test_a_role_that_may_call_the_route_has_its_inputs_read_first():
    with pytest.raises(InvalidRequest):
        read_inputs(ROUTES["get_policy"], authorization="Bearer hq_counsellor", path_values={"policy_id": "x"},
                    query_args={}, body=b"", find_account=lambda digest: COUNSELLOR)
