"""Hostile and broken input over real HTTP (issue 12, item 18): each is a 4xx in the JSON error
shape that names the field at fault, answered by the gateway before any service is asked (none
runs here: a request that got through would be a 503, a crash a 500)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.crafted_zips import xlsx_bomb, zip_bomb
from tests.integration.gateway_stand_ins import USCC

WRONG_CHECK_USCC = USCC[:-1] + "1"  # 913716024JURQ2830 checks to 0
TEN_MB = "政" * (10 * 1024 * 1024 // 3)  # 10 MB of UTF-8
DRAFT = {"title": "小微企业稳岗补贴", "department": "hrss", "summary": "稳岗", "eligibility": {"tag": "scale.small"},
         "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
EVENT = {"event_id": "e-bad-1", "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
         "sequence": 1, "enterprise": {"uscc": USCC, "name": "滨州测试有限公司"}}
HEADER = ["title", "department", "summary", "valid_from", "valid_to"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def raw_json_with(body: dict, key: str, raw: str) -> bytes:
    """`body` as JSON with `key`'s value replaced by `raw`, JSON text json.dumps would not write."""
    text = json.dumps({**body, key: "@@"}, ensure_ascii=False)
    return text.replace('"@@"', raw).encode()


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    field: str  # the field the answer must name, as pydantic's dotted location or as the gateway says it
    json: Any = None
    data: bytes | None = None
    params: dict[str, str] = field(default_factory=dict)
    upload: Callable[[], bytes] | None = None  # made when the test runs: bombs take a moment to build

    def files(self) -> dict[str, tuple[str, bytes]] | None:
        return {"file": ("policies.xlsx", self.upload())} if self.upload else None


CASES = [
    # JSON nested 1,000 deep: Python's parser recursion stops near there, a RecursionError was a 500
    Case("policy rule nested 1,000 deep", "POST", "/api/v1/policies", 400, "(body)",
         data=raw_json_with(DRAFT, "eligibility", nested(1_000))),
    Case("event nested 1,000 deep", "POST", "/api/v1/events/enterprise.registered", 400, "(body)",
         data=raw_json_with(EVENT, "enterprise", nested(1_000))),
    Case("bare array nested 100,000 deep", "POST", "/api/v1/tags/preview", 400, "(body)",
         data=nested(100_000).encode()),
    # integers past 64 bits: SQLite and psycopg cannot bind them
    Case("offset 10^30 on notifications", "GET", f"/api/v1/enterprises/{USCC}/notifications", 422, "offset",
         params={"offset": str(10**30)}),
    Case("offset 10^30 on policy search", "GET", "/api/v1/policies", 422, "offset", params={"offset": str(10**30)}),
    Case("offset 2^63 on quarantine", "GET", "/api/v1/quarantine", 422, "offset", params={"offset": str(2**63)}),
    Case("limit 10^30 on jobs", "GET", "/api/v1/jobs", 422, "limit", params={"limit": str(10**30)}),
    Case("policy id 10^30", "GET", f"/api/v1/policies/{10**30}", 422, "policy_id"),
    Case("event sequence 10^30", "POST", "/api/v1/events/enterprise.registered", 422, "sequence",
         data=raw_json_with(EVENT, "sequence", str(10**30))),
    Case("employees 2^63", "POST", "/api/v1/events/enterprise.profile_changed", 422, "enterprise.employees",
         data=raw_json_with(EVENT, "enterprise", f'{{"uscc": "{USCC}", "employees": {2**63}}}')),
    Case("budget 1e400 (infinite)", "POST", "/api/v1/policies", 422, "budget",
         data=raw_json_with(DRAFT, "budget", "1e400")),
    Case("amount -1e999 (infinite)", "POST", "/api/v1/applications/1/actions", 422, "amount",
         data=b'{"action": "approve", "amount": -1e999}'),
    # 10 MB strings: each field has its own bound
    Case("10 MB policy title", "POST", "/api/v1/policies", 422, "title", json={**DRAFT, "title": TEN_MB}),
    Case("10 MB material name", "POST", "/api/v1/policies", 422, "materials.0",
         json={**DRAFT, "materials": [TEN_MB]}),
    Case("10 MB inside a rule", "POST", "/api/v1/policies", 422, "eligibility",
         json={**DRAFT, "eligibility": {"field": "name", "op": "==", "value": TEN_MB}}),
    Case("10 MB tag rule", "POST", "/api/v1/tags/preview", 422, "rule", json={"rule": {"tag": TEN_MB}}),
    Case("10 MB enterprise name", "POST", "/api/v1/events/enterprise.registered", 422, "enterprise.name",
         json={**EVENT, "enterprise": {"uscc": USCC, "name": TEN_MB}}),
    Case("10 MB withdrawal reason", "POST", "/api/v1/policies/5/withdraw", 422, "reason", json={"reason": TEN_MB}),
    Case("search words past their bound", "GET", "/api/v1/policies", 422, "q", params={"q": "稳" * 401}),
    Case("search words past the URL limit", "GET", "/api/v1/policies", 414, "q",
         params={"limit": "5", "q": "稳" * 2_000}),
    Case("a path past the URL limit", "GET", f"/api/v1/enterprises/{'9' * 9_000}", 414, "(path)"),
    # spreadsheets that expand to gigabytes: refused by their sizes before openpyxl opens them
    Case("XLSX declaring 1 GiB", "POST", "/api/v1/policies/import", 422, "file",
         upload=lambda: xlsx_bomb(1024, HEADER)),
    Case("XLSX of 64 MiB empty rows", "POST", "/api/v1/policies/import", 422, "file",
         upload=lambda: xlsx_bomb(64, HEADER)),
    Case("XLSX understating its size", "POST", "/api/v1/policies/import", 422, "file",
         upload=lambda: zip_bomb(300, declared_mib=1)),
    # U+0000, which PostgreSQL's text cannot hold (a 500 from whichever service stored it)
    Case("NUL in a policy title", "POST", "/api/v1/policies", 422, "title", json={**DRAFT, "title": "稳岗\x00补贴"}),
    Case("NUL in a staff name", "POST", "/api/v1/staff", 422, "name",
         json={"name": "张\x00三", "role": "window_clerk"}),
    Case("NUL in an event id", "POST", "/api/v1/events/enterprise.registered", 422, "event_id",
         json={**EVENT, "event_id": "e\x00"}),
    Case("NUL in search words", "GET", "/api/v1/policies", 422, "q", params={"q": "稳\x00岗"}),
    # the unified social credit code's check character (GB 32100-2015)
    Case("USCC in the path", "GET", f"/api/v1/enterprises/{WRONG_CHECK_USCC}", 422, "uscc"),
    Case("USCC in an event", "POST", "/api/v1/events/enterprise.registered", 422, "enterprise.uscc",
         json={**EVENT, "enterprise": {"uscc": WRONG_CHECK_USCC}}),
    Case("USCC in an application", "POST", "/api/v1/applications", 422, "uscc",
         json={"policy_id": 5, "uscc": WRONG_CHECK_USCC}),
    Case("USCC of an explanation", "GET", f"/api/v1/policies/5/explain/{WRONG_CHECK_USCC}", 422, "uscc"),
    # dates out of range
    Case("valid_to 9999-12-31", "POST", "/api/v1/policies", 422, "valid_to", json={**DRAFT, "valid_to": "9999-12-31"}),
    Case("valid_from in year 0", "POST", "/api/v1/policies", 422, "valid_from",
         json={**DRAFT, "valid_from": "0000-01-01"}),
    Case("valid_to 2026-02-30", "POST", "/api/v1/policies", 422, "valid_to", json={**DRAFT, "valid_to": "2026-02-30"}),
    Case("occurred_at past year 9999 in UTC", "POST", "/api/v1/events/enterprise.registered", 422, "occurred_at",
         json={**EVENT, "occurred_at": "9999-12-31T23:59:59-12:00"}),
    Case("occurred_at before year 1 in UTC", "POST", "/api/v1/events/enterprise.registered", 422, "occurred_at",
         json={**EVENT, "occurred_at": "0001-01-01T00:00:00+14:00"}),
    Case("registered_on 9999-12-31", "POST", "/api/v1/events/enterprise.registered", 422, "enterprise.registered_on",
         json={**EVENT, "enterprise": {"uscc": USCC, "registered_on": "9999-12-31"}}),
    Case("search valid_on 2026-02-30", "GET", "/api/v1/policies", 422, "valid_on", params={"valid_on": "2026-02-30"}),
]


def error_of(response: requests.Response) -> dict:
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def named(error: dict, field_name: str) -> bool:
    details = error["details"]
    fields = ([item.get("field") for item in details if isinstance(item, dict)] if isinstance(details, list)
              else [details.get("field")] if isinstance(details, dict) else [])
    return field_name in fields or field_name in error["message"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_a_4xx_naming_the_field(api, case):
    response = api.request(case.method, case.path, json=case.json, data=case.data, params=case.params,
                           files=case.files(), timeout=60)
    error = error_of(response)
    assert response.status_code == case.status, (response.status_code, error)
    assert named(error, case.field), error


def test_a_header_past_its_limit_is_431_json(api):
    response = api.get("/api/v1/tags", headers={"X-Padding": "x" * 9_000})
    assert response.status_code == 431
    assert named(error_of(response), "(headers)")


def test_a_body_past_the_size_limit_is_413_json(api):
    from services.gateway.web import MAX_BODY_BYTES

    response = api.post("/api/v1/policies", data=b" " * (MAX_BODY_BYTES + 1),
                        headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_entity_too_large"


@pytest.fixture
def time_travel(monkeypatch):
    monkeypatch.setenv("HUIQI_TIME_TRAVEL", "1")  # read when the gateway starts, after this


def test_advances_that_add_up_past_2099_are_422_naming_advance(time_travel, api):
    # each advance is within its bound; the clock they would make is not
    response = api.post("/api/v1/admin/clock", json={"advance": "P36500D"})
    error = error_of(response)
    assert response.status_code == 422, error
    assert named(error, "advance") and "2099-12-31" in error["message"]


def _chunks(total_mib: int, block: bytes = b" " * (1024 * 1024)):
    for _ in range(total_mib):
        yield block


def test_a_chunked_body_is_read(api):
    # no Content-Length: the body arrives in chunks, and is judged like any other
    response = api.post("/api/v1/policies", data=iter([json.dumps({**DRAFT, "title": ""}).encode()]),
                        headers={"Content-Type": "application/json"})
    error = error_of(response)
    assert response.status_code == 422, error
    assert named(error, "title")


def test_a_chunked_body_past_the_size_limit_is_413_json(api):
    from services.gateway.web import MAX_BODY_BYTES

    response = api.post("/api/v1/policies", data=_chunks(MAX_BODY_BYTES // (1024 * 1024) + 2),
                        headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_entity_too_large"


def test_a_chunked_upload_past_the_size_limit_is_413_json(api):
    from services.gateway.web import MAX_BODY_BYTES

    def multipart():
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n\r\n'
        yield from _chunks(MAX_BODY_BYTES // (1024 * 1024) + 2, b"title,department\r\n" * 58_254)
        yield b"\r\n--x--\r\n"

    response = api.post("/api/v1/policies/import", data=multipart(),
                        headers={"Content-Type": "multipart/form-data; boundary=x"}, timeout=60)
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_entity_too_large"
