"""POST /api/v1/events/{routing_key}: validated, then published to gov.events exactly as sent."""
import json

import pytest
from nameko.testing.utils import get_extension

from services.gateway.dependencies import GovEventPublisher
from shared.contracts.gov import ROUTING_KEYS
from tests.integration.gateway_stand_ins import USCC

EVENT = {"event_id": "9b2f3c1e-gateway-1", "source": "market-regulation",
         "occurred_at": "2026-11-27T09:30:00+08:00", "sequence": 17,
         "enterprise": {"uscc": USCC, "name": "滨州测试有限公司", "employees": 120}}


def error_of(response) -> dict:
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()["error"]


@pytest.mark.parametrize("routing_key", ["enterprise.registered", "enterprise.profile_changed"])
def test_a_good_event_is_202_and_lands_on_gov_events(api, gov_events_queue, routing_key):
    sent = json.dumps(EVENT, ensure_ascii=False, indent=1).encode()
    response = api.post(f"/api/v1/events/{routing_key}", data=sent,
                        headers={"Content-Type": "application/json", "X-Request-Id": "gov-call-7"})
    assert response.status_code == 202
    assert response.json() == {"event_id": EVENT["event_id"]}

    message = gov_events_queue.get()
    assert message.delivery_info["routing_key"] == routing_key
    assert message.delivery_info["exchange"] == "gov.events"
    assert message.body == sent.decode()  # as sent, byte for byte (kombu decodes the UTF-8)
    assert message.properties["message_id"] == EVENT["event_id"]
    assert message.properties["delivery_mode"] == 2
    assert message.content_type == "application/json"
    assert message.headers["nameko.correlation_id"] == "gov-call-7"


def test_a_bulk_batch_is_checked_as_an_envelope_only(api, gov_events_queue):
    batch = {key: EVENT[key] for key in ("event_id", "source", "occurred_at")}
    batch["profiles"] = [{"sequence": 1, "enterprise": {"uscc": USCC}},
                         {"sequence": 2, "enterprise": {"uscc": "not-a-code"}}]  # tagging quarantines this one
    response = api.post("/api/v1/events/enterprise.profiles_synced", json=batch)
    assert response.status_code == 202
    assert json.loads(gov_events_queue.get().body) == batch


def test_bad_bodies_are_422_with_field_paths_and_nothing_is_published(api, gov_events_queue):
    body = {**EVENT, "sequence": -1, "extra": 1,
            "enterprise": {"uscc": "913716024JURQ28301", "employees": "120", "county": "110101"}}
    response = api.post("/api/v1/events/enterprise.registered", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert {item["field"] for item in error["details"]} == {
        "sequence", "extra", "enterprise.uscc", "enterprise.employees", "enterprise.county"}
    assert all(item["in"] == "body" and item["message"] for item in error["details"])
    assert gov_events_queue.empty()


def test_an_unknown_routing_key_is_422_naming_the_allowed_ones(api):
    response = api.post("/api/v1/events/enterprise.renamed", json=EVENT)
    assert response.status_code == 422
    detail = error_of(response)["details"][0]
    assert (detail["field"], detail["in"]) == ("routing_key", "path")
    assert all(key in detail["message"] for key in ROUTING_KEYS)


@pytest.mark.parametrize("raw", [b"", b"{\"event_id\": ", b"{\"a\": NaN}", b"\xff\xfe"])
def test_malformed_json_is_400(api, raw):
    response = api.post("/api/v1/events/enterprise.registered", data=raw)
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_a_body_of_the_wrong_shape_is_422(api):
    response = api.post("/api/v1/events/enterprise.registered", json=[EVENT])
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == "(body)"


def test_publishing_needs_the_token(anonymous, gov_events_queue):
    assert anonymous.post("/api/v1/events/enterprise.registered", json=EVENT).status_code == 401
    assert gov_events_queue.empty()


def test_a_broker_that_does_not_take_the_event_is_503(api, gateway_container):
    publisher = get_extension(gateway_container, GovEventPublisher).publisher
    publisher.close()
    publisher.amqp_uri = "amqp://guest:guest@127.0.0.1:1//"  # nothing listens there
    response = api.post("/api/v1/events/enterprise.registered", json=EVENT)
    assert response.status_code == 503
    error = error_of(response)
    assert (error["code"], error["details"]) == ("service_unavailable", {"service": "broker"})


# --- system accounts (contract section 14) ---------------------------------------------------------

def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def market_regulation(api, accounts_service):
    created = api.post("/api/v1/systems", json={"source": "market-regulation", "name": "市场监管局登记系统"})
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["role"] == "system" and account["source"] == "market-regulation"
    assert account["id"].startswith("system-") and account["token"].startswith("hq_")
    return account


def test_a_system_token_publishes_events_of_its_own_source(anonymous, gov_events_queue, market_regulation):
    response = anonymous.post("/api/v1/events/enterprise.registered", json=EVENT,
                              headers=bearer(market_regulation["token"]))
    assert response.status_code == 202, response.text
    assert json.loads(gov_events_queue.get().body) == EVENT


@pytest.mark.parametrize("routing_key", ["enterprise.registered", "enterprise.profiles_synced"])
def test_a_system_token_may_not_publish_another_sources_events(anonymous, gov_events_queue, market_regulation,
                                                               routing_key):
    body = {**EVENT, "source": "tax"}
    if routing_key == "enterprise.profiles_synced":
        body = {"event_id": "bulk-1", "source": "tax", "occurred_at": EVENT["occurred_at"],
                "profiles": [{"sequence": 1, "enterprise": {"uscc": USCC}}]}
    response = anonymous.post(f"/api/v1/events/{routing_key}", json=body, headers=bearer(market_regulation["token"]))
    assert response.status_code == 403
    assert "market-regulation" in error_of(response)["message"] and "tax" in error_of(response)["message"]
    assert gov_events_queue.empty()


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/api/v1/me", None), ("GET", "/api/v1/tags", None), ("GET", f"/api/v1/enterprises/{USCC}", None),
    ("GET", "/api/v1/quarantine", None), ("GET", "/api/v1/policies/5", None),
    ("POST", "/api/v1/systems", {"source": "tax"}), ("POST", "/api/v1/staff", {"name": "x", "role": "assessor"}),
])
def test_a_system_token_may_do_nothing_else(anonymous, market_regulation, method, path, body):
    response = anonymous.request(method, path, json=body, headers=bearer(market_regulation["token"]))
    assert response.status_code == 403, (path, response.text)
    assert "system" in error_of(response)["message"]


def test_only_the_city_administrator_creates_systems_and_a_disabled_one_is_401(api, anonymous, market_regulation):
    staff = api.post("/api/v1/staff", json={"name": "窗口", "role": "window_clerk"}).json()
    refused = anonymous.post("/api/v1/systems", json={"source": "tax"}, headers=bearer(staff["token"]))
    assert refused.status_code == 403
    listed = api.get("/api/v1/accounts", params={"kind": "system"}).json()
    assert [account["id"] for account in listed["items"]] == [market_regulation["id"]]
    assert api.post(f"/api/v1/accounts/{market_regulation['id']}/disable").status_code == 200
    response = anonymous.post("/api/v1/events/enterprise.registered", json=EVENT,
                              headers=bearer(market_regulation["token"]))
    assert response.status_code == 401


def test_a_staff_member_made_with_a_phone_and_email_sees_them_as_their_own(api, anonymous, accounts_service):
    staff = api.post("/api/v1/staff", json={"name": "窗口受理员", "role": "window_clerk",
                                            "phone": "13812345678", "email": "audit@finance.example.gov.cn"})
    assert staff.status_code == 201, staff.text
    assert (staff.json()["phone"], staff.json()["email"]) == ("13812345678", "audit@finance.example.gov.cn")
    me = anonymous.get("/api/v1/me", headers=bearer(staff.json()["token"])).json()
    assert (me["phone"], me["email"]) == ("13812345678", "audit@finance.example.gov.cn")
    for field, body in (("phone", {"phone": "12345"}), ("email", {"email": "not-an-address"})):
        refused = api.post("/api/v1/staff", json={"name": "窗口", "role": "window_clerk", **body})
        assert refused.status_code == 422, refused.text
        assert [detail["field"] for detail in error_of(refused)["details"]] == [field]


@pytest.mark.parametrize("body", [{}, {"source": ""}, {"source": "Market Regulation"}, {"source": "tax", "x": 1}])
def test_a_system_needs_a_well_formed_source(api, body):
    response = api.post("/api/v1/systems", json=body)
    assert response.status_code == 422
    assert {item["field"] for item in error_of(response)["details"]} & {"source", "x"}


@pytest.mark.parametrize(("field", "change"), [
    ("enterprise.name", {"enterprise": {**EVENT["enterprise"], "name": "滨州\u0000测试"}}),
    ("enterprise.name", {"enterprise": {**EVENT["enterprise"], "name": "滨州\ud800测试"}}),
    ("event_id", {"event_id": "9b2f3c1e-\u0000"}),
], ids=["nul", "lone-surrogate", "nul-in-event-id"])
def test_text_the_database_cannot_store_is_422_naming_the_field(api, gov_events_queue, field, change):
    # json.dumps writes them as the escapes \u0000 and \ud800, as any JSON publisher would
    response = api.post("/api/v1/events/enterprise.registered", data=json.dumps({**EVENT, **change}),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    [detail] = error_of(response)["details"]
    assert detail["field"] == field and ("U+0000" in detail["message"] or "surrogate" in detail["message"])
    assert gov_events_queue.empty()
