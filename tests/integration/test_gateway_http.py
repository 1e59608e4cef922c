"""The gateway over real HTTP and a real broker: tokens, JSON errors, correlation ids, routes."""
import uuid

import requests

from shared.uscc import complete
from tests.integration.gateway_stand_ins import ADMIN_TOKEN, USCC

DRAFT = {"title": "小微企业稳岗补贴", "department": "hrss", "summary": "稳岗", "eligibility": {"tag": "scale.small"},
         "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


def error_of(response: requests.Response) -> dict:
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_the_openapi_document_needs_no_token(anonymous):
    response = anonymous.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0"
    assert "/api/v1/events/{routing_key}" in response.json()["paths"]


def test_no_token_is_401(anonymous):
    response = anonymous.get("/api/v1/tags")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_401(anonymous, accounts_service):
    for header in ("Bearer not-the-token", f"Basic {ADMIN_TOKEN}", f"Bearer {ADMIN_TOKEN}-"):
        response = anonymous.get(f"/api/v1/enterprises/{USCC}", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert error_of(response)["code"] == "unauthorized"


def test_an_unknown_route_is_404_json(api, anonymous):
    for client, path in ((api, "/api/v1/nothing-here"), (anonymous, "/api/v1"), (api, "/api/v2/tags")):
        response = client.get(path)
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_is_405_json_with_allow(api):
    response = api.delete("/api/v1/tags")
    assert response.status_code == 405
    assert error_of(response)["details"] == {"allowed": ["GET", "HEAD", "POST"]}
    assert response.headers["Allow"] == "GET, HEAD, POST"
    assert api.get("/api/v1/policies/1/publish").status_code == 405


def test_the_request_id_is_echoed_or_made_up(api):
    assert api.get("/nowhere", headers={"X-Request-Id": "trace-me-1"}).headers["X-Request-Id"] == "trace-me-1"
    made_up = api.get("/nowhere").headers["X-Request-Id"]
    assert uuid.UUID(made_up).version == 4


def test_bad_path_parameters_are_422_before_any_service_is_asked(api):
    # No service runs: were they asked, this would be 503.
    response = api.get("/api/v1/enterprises/913716024JURQ28301")
    assert response.status_code == 422
    error = error_of(response)
    assert error["details"][0]["field"] == "uscc" and "check character" in error["details"][0]["message"]
    assert api.get("/api/v1/policies/0").status_code == 422
    assert error_of(api.post("/api/v1/policies/x/publish"))["details"][0]["field"] == "policy_id"
    response = api.get(f"/api/v1/enterprises/{USCC}/notifications", params={"limit": 201, "offset": -1})
    assert response.status_code == 422
    assert {item["field"] for item in error_of(response)["details"]} == {"limit", "offset"}
    assert error_of(api.get("/api/v1/calendar/1900"))["details"][0]["field"] == "year"


def test_a_calendar_arrangement_that_cannot_be_read_is_422_naming_the_field(api):
    # No service runs: the body is refused before the application service is asked.
    bad = {"notice": "国办发明电〔2026〕99号", "holidays": [["2027-01-01", "2027-01-03"]], "workdays": []}
    response = api.put("/api/v1/calendar/2027", json=bad)
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"].startswith("holidays.0")
    response = api.put("/api/v1/calendar/2027", json={"holidays": [], "workdays": ["2027-13-01"]})
    assert {item["field"] for item in error_of(response)["details"]} == {"notice", "workdays.0"}


def test_a_bad_policy_draft_is_422_with_fields(api):
    response = api.post("/api/v1/policies", json={**DRAFT, "title": "", "materials": ["a", "b", "c", "d"]})
    assert response.status_code == 422
    assert {item["field"] for item in error_of(response)["details"]} == {"title", "materials"}
    assert api.post("/api/v1/policies", data=b"{not json").status_code == 400


# with stand-ins for the services ------------------------------------------------------------------

def test_health_is_200_when_every_service_answers(anonymous, fake_services):
    response = anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"tagging", "policy", "notification", "application", "accounts", "evaluation",
                                     "counselling"}


def test_the_enterprise_file_passes_through_with_the_correlation_id(api, fake_services):
    response = api.get(f"/api/v1/enterprises/{USCC}", headers={"X-Request-Id": "follow-me-42"})
    assert response.status_code == 200
    body = response.json()
    assert (body["uscc"], body["tags"], body["version"]) == (USCC, ["scale.small"], 3)
    assert body["correlation_id"] == "follow-me-42"  # what the tagging service saw in its worker context
    assert response.headers["X-Request-Id"] == "follow-me-42"


def test_a_typed_service_error_keeps_its_status(api, fake_services):
    unknown = complete("91371600000000000")  # valid, but the stand-in does not know it
    response = api.get(f"/api/v1/enterprises/{unknown}")
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": f"no enterprise {unknown} is known to the platform",
                                  "details": {"uscc": unknown}}
    response = api.post("/api/v1/policies/5/publish")
    assert response.status_code == 409
    assert error_of(response)["details"] == {"status": "published"}


def test_a_service_bug_is_500_json_with_the_correlation_id(api, fake_services):
    response = api.get("/api/v1/policies/13", headers={"X-Request-Id": "bug-report-1"})
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "service_failed"
    assert error["details"] == {"correlation_id": "bug-report-1", "service": "policy"}
    assert "unlucky" not in response.text


def test_lists_and_their_counts(api, fake_services):
    response = api.get(f"/api/v1/enterprises/{USCC}/notifications", params={"limit": 2})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [12, 11]
    assert (response.headers["X-Total-Count"], response.headers["X-Unread-Count"]) == ("12", "3")
    matches = api.get(f"/api/v1/enterprises/{USCC}/policies").json()
    assert matches[0]["policy_id"] == 7 and {"title", "matched_at", "explanation"} <= set(matches[0])
    read = api.post(f"/api/v1/enterprises/{USCC}/notifications/12/read")
    assert read.status_code == 200 and read.json()["read_at"]


def test_creating_a_policy_is_201_with_the_actor(api, fake_services):
    response = api.post("/api/v1/policies", json=DRAFT)
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == 7 and body["title"] == DRAFT["title"] and body["materials"] == []
    assert body["created_by"] == {"role": "city_admin", "id": "city-admin", "department": None, "county": None,
                                  "uscc": None}
    assert response.headers["Location"] == "/api/v1/policies/7"


def test_a_rule_is_previewed_before_publishing(api, fake_services):
    response = api.post("/api/v1/policies/preview", json={"eligibility": DRAFT["eligibility"]})
    assert response.status_code == 200
    assert response.json()["asked"] == [DRAFT["eligibility"], 10]
    assert response.json()["matching"] == 1
    assert api.post("/api/v1/policies/preview", json={"eligibility": {}, "sample": 0}).json()["sample"] == []
    for body, field in (({"eligibility": []}, "eligibility"), ({"eligibility": {}, "sample": 51}, "sample"),
                        ({}, "eligibility")):
        refused = api.post("/api/v1/policies/preview", json=body)
        assert refused.status_code == 422, body
        assert error_of(refused)["details"][0]["field"] == field


def test_query_parameters_reach_the_services(api, fake_services):
    search = api.get("/api/v1/policies", params={"q": "稳岗", "status": "published", "limit": 5}).json()
    assert search["asked"] == [{"q": "稳岗", "status": "published"}, False, 5, 0]
    assert api.get("/api/v1/quarantine").json()["asked"] == [50, 0, "waiting"]
    assert api.get("/api/v1/quarantine", params={"state": "all", "offset": 3}).json()["asked"] == [50, 3, None]
    letters = api.get("/api/v1/admin/dead-letters", params={"service": "tagging"})
    assert letters.status_code == 200 and letters.json()[0]["asked"] == [False, 100]
    assert api.get("/api/v1/admin/dead-letters", params={"service": "gateway"}).status_code == 422
    assert api.get("/api/v1/tags").json()["categories"] == [{"code": "scale", "name": "规模"}]
    assert api.get("/api/v1/tags", params={"include_retired": "true"}).json()["asked"] == [True]


def test_the_gateway_is_ready_without_the_services_behind_it_and_counts_its_requests(
        quick_consumers, container_factory, gateway_settings, nameko_gateway_config):
    from prometheus_client.parser import text_string_to_metric_families

    from services.gateway.service import GatewayService
    from tests.polling import until
    from tests.tcp_proxy import free_port

    probe_port = free_port()
    container_factory(GatewayService, {**nameko_gateway_config, "PROBE_PORT": probe_port}).start()
    gateway, probes = f"http://{nameko_gateway_config['WEB_SERVER_ADDRESS']}", f"http://127.0.0.1:{probe_port}"

    # no service runs: the platform is not ready, this replica is (it can serve, and say so)
    assert requests.get(f"{gateway}/health", timeout=10).status_code == 503
    until(lambda: requests.get(f"{gateway}/health/ready", timeout=5).status_code == 200, timeout=10)
    ready = requests.get(f"{probes}/health/ready", timeout=5)
    assert ready.status_code == 200 and ready.json()["waiting_for"] == []

    for _ in range(3):
        assert requests.get(f"{gateway}/health/live", timeout=5).status_code == 200
    assert requests.get(f"{gateway}/api/v1/no-such-thing", timeout=5).status_code == 404
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(requests.get(f"{probes}/metrics", timeout=5).text)
               for sample in family.samples}
    def requests_of(route: str, status: str) -> float:
        return samples.get(("huiqi_http_requests_total", (("method", "GET"), ("route", route),
                                                           ("service", "gateway"), ("status", status))), 0.0)
    assert requests_of("health_live", "200") == 3
    assert requests_of("unrouted", "404") == 1
    # /health asked the seven services, each call measured (none answered)
    unanswered = [value for (name, labels), value in samples.items()
                  if name == "huiqi_rpc_client_duration_seconds_count" and ("outcome", "unavailable") in labels]
    assert sum(unanswered) == 7
